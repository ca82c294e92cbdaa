/**
 * Fitting a lossy encode to a byte budget in few tries, after imgproxy's "fit bytes": each try predicts the next
 * quality from how far the last one overshot, instead of stepping down blindly.
 *
 * The model: over the useful range, a JPEG's size grows about exponentially with quality,
 * size(q) ≈ size(q0)·e^(k·(q − q0)). The first prediction uses a typical k; from the second try on, k is measured
 * from the two tries nearest the goal (a secant in log-size). Tries are aimed a little under the budget (GOAL) so
 * the usual photo lands inside [ACCEPT, 1]·budget on the second encode. When even the floor quality is predicted
 * not to fit, the picture is made smaller instead — fewer pixels at a decent quality look better than mush —
 * by the area the model says is needed (size grows a bit slower than pixel count, hence AREA_EXPONENT).
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
}

export interface SearchResult<B extends Uint8Array = Buffer> {
  best?: Attempt<B>;
  encodes: number;
}

export const START_QUALITY = 85; // beyond this a phone screen shows no difference; bytes only grow
export const FLOOR_QUALITY = 55; // below this, blocks show: shrink the picture instead
const RESTART_QUALITY = 72; // where to aim after shrinking
const GOAL = 0.93; // aim under the budget, so a small misprediction still fits
const ACCEPT = 0.8; // a fit using at least this much of the budget ends the search
const USUAL_ENCODES = 4; // the promise for the usual case: stop refining here if something fits
const MAX_ENCODES = 8; // the hard limit, shrinking included, unless the caller sets a lower one
const DEFAULT_SLOPE = 0.03; // measured on photos: ~3% more bytes per quality step around q 60–85
const AREA_EXPONENT = 0.9;
export const MIN_SIDE = 160; // the smallest long edge worth sending

export async function searchQuality<B extends Uint8Array>(s: QualitySearch<B>): Promise<SearchResult<B>> {
  let { width, height } = s;
  let quality = START_QUALITY;
  let slope = DEFAULT_SLOPE;
  let tries: Array<{ q: number; size: number }> = [];
  let best: Attempt<B> | undefined;
  let encodes = 0;
  while (encodes < (s.maxEncodes ?? MAX_ENCODES)) {
    const bytes = await s.encode(quality, width, height);
    encodes++;
    const size = bytes.length;
    if (size <= s.target && (!best || size > best.bytes.length)) best = { quality, width, height, bytes };
    if (size <= s.target && (size >= ACCEPT * s.target || quality >= START_QUALITY)) break;
    if (best && encodes >= USUAL_ENCODES) break;
    tries.push({ q: quality, size });
    slope = measuredSlope(tries, GOAL * s.target) ?? slope;

    const fits = tries.filter((t) => t.size <= s.target).map((t) => t.q);
    const overs = tries.filter((t) => t.size > s.target).map((t) => t.q);
    const low = fits.length ? Math.max(...fits) : undefined; // highest quality known to fit
    const high = overs.length ? Math.min(...overs) : undefined; // lowest quality known not to
    if (low !== undefined && high !== undefined && high - low <= 1) break; // nothing left between them
    let next = Math.round(quality + Math.log((GOAL * s.target) / size) / slope);
    if (low !== undefined) next = Math.max(next, low + 1);
    if (high !== undefined) next = Math.min(next, high - 1);
    next = Math.min(next, START_QUALITY);
    const floorTried = tries.some((t) => t.q === FLOOR_QUALITY);
    const floorMayFit = !floorTried && size * Math.exp(slope * (FLOOR_QUALITY - quality)) <= s.target;
    if (next >= FLOOR_QUALITY || low !== undefined || floorMayFit) {
      quality = Math.max(next, FLOOR_QUALITY);
      continue;
    }
    // Even the floor quality will not fit at this size: scale the picture so that RESTART_QUALITY should.
    const atRestart = size * Math.exp(slope * (RESTART_QUALITY - quality));
    const scale = Math.sqrt(Math.pow((GOAL * s.target) / atRestart, 1 / AREA_EXPONENT));
    width = Math.max(1, Math.floor(width * scale));
    height = Math.max(1, Math.floor(height * scale));
    if (Math.max(width, height) < MIN_SIDE) break;
    tries = [];
    quality = RESTART_QUALITY;
  }
  return { best, encodes };
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
  const scale = Math.min(0.95, Math.sqrt(Math.pow((GOAL * target) / size, 1 / AREA_EXPONENT)));
  return { width: Math.max(1, Math.floor(width * scale)), height: Math.max(1, Math.floor(height * scale)) };
}
