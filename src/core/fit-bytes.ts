/**
 * Fitting a lossy encode to a byte budget in few tries, after imgproxy's "fit bytes": each try predicts the next
 * quality from how far the last one overshot, instead of stepping down blindly.
 *
 * The model: over the useful range, a JPEG's size grows about exponentially with quality,
 * size(q) ≈ size(q0)·e^(k·(q − q0)). Tries are aimed a little under the budget (GOAL). Before the first full
 * encode, an optional cheap estimate (a sample of the picture, encoded) finds the quality that should land there
 * and the picture's own k, so the usual photo takes one full encode; without one, the search starts at
 * START_QUALITY with a typical k. From the second try on, k is measured from the two tries nearest the goal (a
 * secant in log-size). When even the floor quality is predicted not to fit, the picture is made smaller instead —
 * fewer pixels at a decent quality look better than mush — by the area the model says is needed (size grows a
 * bit slower than pixel count, hence AREA_EXPONENT).
 */
export interface Attempt<B extends Uint8Array = Buffer> {
  quality: number;
  width: number;
  height: number;
  bytes: B;
}

export interface QualitySearch<B extends Uint8Array = Buffer> {
  target: number;
  width: number;
  height: number;
  encode(quality: number, width: number, height: number): Promise<B>;
  /** At most this many encodes, shrinking included (default MAX_ENCODES): where each encode is a paid call. */
  maxEncodes?: number;
  /**
   * A cheap estimate of encode(quality, width, height)'s size at the starting width and height, in bytes: with it
   * the first full encode is aimed from estimates (a few, each far cheaper than an encode) instead of a guess.
   */
  estimate?(quality: number): Promise<number>;
}

export interface SearchResult<B extends Uint8Array = Buffer> {
  best?: Attempt<B>;
  encodes: number;
  /** Calls to `estimate` (not counted in `encodes`, which are full encodes). */
  probes: number;
}

export const START_QUALITY = 85; // beyond this a phone screen shows no difference; bytes only grow
export const FLOOR_QUALITY = 55; // below this, blocks show: shrink the picture instead
const RESTART_QUALITY = 72; // where to aim after shrinking
const GOAL = 0.93; // aim under the budget, so a small misprediction still fits
// The first full encode ends the search when it fits and uses half the budget: a second one would double the
// time for a few quality steps.
const ACCEPT_FIRST = 0.5;
const MAX_PROBES = 3; // estimates before the first full encode
const CLOSE = 0.03; // an estimate within 3 % of the goal needs no further probe
const ACCEPT = 0.8; // a fit using at least this much of the budget ends the search
const USUAL_ENCODES = 4; // the promise for the usual case: stop refining here if something fits
const MAX_ENCODES = 8; // the hard limit, shrinking included, unless the caller sets a lower one
const DEFAULT_SLOPE = 0.03; // measured on photos: ~3% more bytes per quality step around q 60–85
const AREA_EXPONENT = 0.9;
export const MIN_SIDE = 160; // the smallest long edge worth sending

export async function searchQuality<B extends Uint8Array>(s: QualitySearch<B>): Promise<SearchResult<B>> {
  let { width, height } = s;
  const goal = GOAL * s.target;
  const aim = s.estimate ? await aimFirst(s.estimate, goal) : undefined;
  let quality = aim?.quality ?? START_QUALITY;
  let slope = aim?.slope ?? DEFAULT_SLOPE;
  if (aim && quality < FLOOR_QUALITY) {
    // Aimed below the floor: try the floor unless the estimates put it clearly over the budget (more than their
    // own error); then start smaller, as the search would after a full encode at the floor.
    const atFloor = sizeAt(aim.last, FLOOR_QUALITY, slope);
    const smaller = shrink(width, height, sizeAt(aim.last, RESTART_QUALITY, slope), goal);
    if (atFloor <= s.target / GOAL || Math.max(smaller.width, smaller.height) < MIN_SIDE) quality = FLOOR_QUALITY;
    else ({ width, height, quality } = { ...smaller, quality: RESTART_QUALITY });
  }
  let tries: Array<{ q: number; size: number }> = [];
  let best: Attempt<B> | undefined;
  let encodes = 0;
  while (encodes < (s.maxEncodes ?? MAX_ENCODES)) {
    const bytes = await s.encode(quality, width, height);
    encodes++;
    const size = bytes.length;
    if (size <= s.target && (!best || size > best.bytes.length)) best = { quality, width, height, bytes };
    const enough = (encodes === 1 ? ACCEPT_FIRST : ACCEPT) * s.target;
    if (size <= s.target && (size >= enough || quality >= START_QUALITY)) break;
    if (best && encodes >= USUAL_ENCODES) break;
    tries.push({ q: quality, size });
    slope = measuredSlope(tries, goal) ?? slope;

    const fits = tries.filter((t) => t.size <= s.target).map((t) => t.q);
    const overs = tries.filter((t) => t.size > s.target).map((t) => t.q);
    const low = fits.length ? Math.max(...fits) : undefined; // highest quality known to fit
    const high = overs.length ? Math.min(...overs) : undefined; // lowest quality known not to
    if (low !== undefined && high !== undefined && high - low <= 1) break; // nothing left between them
    let next = Math.round(quality + Math.log(goal / size) / slope);
    if (low !== undefined) next = Math.max(next, low + 1);
    if (high !== undefined) next = Math.min(next, high - 1);
    next = Math.min(next, START_QUALITY);
    const floorTried = tries.some((t) => t.q === FLOOR_QUALITY);
    const floorMayFit = !floorTried && sizeAt({ q: quality, size }, FLOOR_QUALITY, slope) <= s.target;
    if (next >= FLOOR_QUALITY || low !== undefined || floorMayFit) {
      quality = Math.max(next, FLOOR_QUALITY);
      continue;
    }
    // Even the floor quality will not fit at this size: scale the picture so that RESTART_QUALITY should.
    ({ width, height } = shrink(width, height, sizeAt({ q: quality, size }, RESTART_QUALITY, slope), goal));
    if (Math.max(width, height) < MIN_SIDE) break;
    tries = [];
    quality = RESTART_QUALITY;
  }
  return { best, encodes, probes: aim?.probes ?? 0 };
}

/**
 * The quality whose full encode should land at `goal`, from estimates: START_QUALITY first, then secant steps
 * (never below the floor, where the answer is "shrink" whatever the exact figure) until one lands close. May
 * return a quality below the floor, meaning the floor itself is over the goal.
 */
async function aimFirst(estimate: (quality: number) => Promise<number>, goal: number) {
  let last = { q: START_QUALITY, size: await estimate(START_QUALITY) };
  let slope = DEFAULT_SLOPE;
  let probes = 1;
  const done = () => (last.q === START_QUALITY && last.size <= goal) || Math.abs(Math.log(last.size / goal)) <= CLOSE;
  while (probes < MAX_PROBES && !done()) {
    const q = Math.max(FLOOR_QUALITY, Math.min(START_QUALITY - 1, Math.round(last.q + Math.log(goal / last.size) / slope)));
    if (q === last.q) break;
    const next = { q, size: await estimate(q) };
    probes++;
    slope = measuredSlope([last, next], goal) ?? slope;
    last = next;
  }
  const quality = Math.min(START_QUALITY, Math.round(last.q + Math.log(goal / last.size) / slope));
  return { quality, slope, probes, last };
}

/** The size at quality `q`, from a known size and the log-size slope. */
function sizeAt(known: { q: number; size: number }, q: number, slope: number): number {
  return known.size * Math.exp(slope * (q - known.q));
}

/** The width and height at which `size` bytes become `goal` bytes (same quality), scaled by at most `max`. */
function shrink(width: number, height: number, size: number, goal: number, max = 1): { width: number; height: number } {
  const scale = Math.min(max, Math.sqrt(Math.pow(goal / size, 1 / AREA_EXPONENT)));
  return { width: Math.max(1, Math.floor(width * scale)), height: Math.max(1, Math.floor(height * scale)) };
}

/** The log-size slope between the two tries nearest the goal, when they differ in quality; kept in a sane range. */
function measuredSlope(tries: Array<{ q: number; size: number }>, goal: number): number | undefined {
  if (tries.length < 2) return undefined;
  const [a, b] = [...tries].sort((x, y) => Math.abs(Math.log(x.size / goal)) - Math.abs(Math.log(y.size / goal)));
  if (!a || !b || a.q === b.q) return undefined;
  const k = Math.log(a.size / b.size) / (a.q - b.q);
  return Number.isFinite(k) && k > 0 ? Math.min(0.12, Math.max(0.008, k)) : undefined;
}

/**
 * For encoders without a quality dial (GIF, palette PNG), the next size to try: the area the budget allows, from
 * the last size, a little under so the next try usually fits. Never larger than now.
 */
export function scaleToFit(width: number, height: number, size: number, target: number): { width: number; height: number } {
  return shrink(width, height, size, GOAL * target, 0.95);
}
