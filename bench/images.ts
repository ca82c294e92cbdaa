/**
 * npm run bench:images — what the image pipeline costs, beside one plain sharp resize + encode of the same file.
 *
 * Each measurement runs in its own child process, so "peak memory" is that process's own high-water mark
 * (maxRSS, from the kernel), not a guess from sampling. Times are the median of 3 runs after one warm-up run in
 * that process (the warm-up pays for loading sharp and, for HEIC, starting the decoder's WebAssembly). A second
 * table compares JPEG encoder options at equal size on the inputs that become JPEG (see jpeg-options.ts).
 *
 * The 12 MP HEIC is made with heif-enc (x265), which is not an npm package: set HEIF_ENC to its path or put it on
 * PATH (Debian: `apt-get download libheif-examples && dpkg -x libheif-examples_*.deb /tmp/heif`, then
 * HEIF_ENC=/tmp/heif/usr/bin/heif-enc). Without it that row is skipped.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SharpImages } from '../src/adapters/sharp/index.js';
import { formatBytes } from '../src/core/errors.js';
import { targetBytesFor } from '../src/core/policy.js';
import { animatedGif, phoneJpeg, screenshotPng } from '../test/images/fixtures.js';
import { compareOptions, type OptionRow } from './jpeg-options.js';

interface Case {
  id: string;
  label: string;
  file: string;
  ext: string;
  mime: string;
}

interface Measurement {
  ms: number;
  encodes: number;
  probes: number;
  bytes: number;
  output: string;
  peakRss: number;
}

const RUNS = 3;
const TARGET = targetBytesFor('safe');

async function main() {
  const startLoad = loadavg()[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'bench-images-'));
  const cases: Case[] = [];
  const add = (id: string, label: string, name: string, bytes: Buffer, ext: string, mime: string) => {
    writeFileSync(join(dir, name), bytes);
    cases.push({ id, label: `${label} (${formatBytes(bytes.length)})`, file: join(dir, name), ext, mime });
  };
  console.error('making inputs…');
  const photo = await phoneJpeg();
  add('jpeg', '12 MP phone JPEG, EXIF-rotated, GPS', 'photo.jpg', photo, 'jpg', 'image/jpeg');
  const heic = makeHeic(photo, dir);
  if (heic) add('heic', '12 MP HEIC (HEVC)', 'photo.heic', heic, 'heic', 'image/heic');
  else console.error('heif-enc not found (set HEIF_ENC): skipping the HEIC row');
  add('png', 'PNG screenshot 1290×2796', 'screenshot.png', await screenshotPng(), 'png', 'image/png');
  add('gif', 'animated GIF 480×270, 48 frames', 'anim.gif', await animatedGif(48, 480, 270), 'gif', 'image/gif');

  const rows = [];
  for (const c of cases) {
    console.error(`measuring ${c.label}…`);
    const pipeline = child<Measurement>('pipeline', c);
    const baseline = child<Measurement>('baseline', c);
    rows.push(
      `| ${c.label} | ${seconds(pipeline.ms)} | ${encodeCount(pipeline)} | ${formatBytes(pipeline.bytes)} ${pipeline.output} (${Math.round((100 * pipeline.bytes) / TARGET)} %) | ${mb(pipeline.peakRss)} ` +
        `| ${seconds(baseline.ms)} | ${formatBytes(baseline.bytes)} ${baseline.output} | ${mb(baseline.peakRss)} | ${(pipeline.ms / baseline.ms).toFixed(1)}× |`,
    );
  }
  console.log(`Budget ${formatBytes(TARGET)} (MEDIA_PROFILE=safe), long edge 2048, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim()}.`);
  console.log(`Machine load (1-minute average) before measuring: ${startLoad.toFixed(1)}; other work on the machine slows every row alike.`);
  console.log('Pipeline: SharpImages.process (optimize=auto). Baseline: one sharp resize to 2048 + encode of the same file (HEIC: heic-decode first).');
  console.log(`Times: median of ${RUNS} warm runs; peak: the process's max RSS, Node and sharp included.`);
  console.log('Encodes: full-size encodes, + encodes of a quarter-picture sample that aim the first one.\n');
  console.log('| Input | Pipeline | Encodes | Output | Peak RSS | Baseline | Baseline output | Baseline peak RSS | Time ratio |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);

  console.log(`\nJPEG options at equal size: the highest quality under ${formatBytes(TARGET)}, one encode of the 2048 px pixels (median of 3), SSIM of luma against them.\n`);
  console.log('| Input | Options | Quality | Size | Encode | SSIM |');
  console.log('|---|---|---|---|---|---|');
  for (const c of cases.filter((c) => c.id === 'jpeg' || c.id === 'png')) {
    console.error(`comparing JPEG options on ${c.label}…`);
    for (const r of child<OptionRow[]>('options', c)) {
      console.log(`| ${c.label} | ${r.name} | ${r.quality} | ${formatBytes(r.bytes)} | ${Math.round(r.ms)} ms | ${r.ssim.toFixed(4)} |`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

function child<T>(mode: string, c: Case): T {
  const script = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, '--child', mode, c.file, c.ext, c.mime], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${mode} ${c.id} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

async function measure(mode: 'pipeline' | 'baseline', file: string, ext: string, mime: string): Promise<Measurement> {
  const bytes = readFileSync(file);
  let encodes = 0;
  let probes = 0;
  const images = new SharpImages({
    targetBytes: TARGET,
    maxDimension: 2048,
    maxPixels: 50_000_000,
    concurrency: 1,
    queueLimit: 0,
    observe: (s) => ({ encodes, probes } = s),
  });
  const once = async () => {
    if (mode === 'pipeline') {
      const out = await images.process({ size: bytes.length, read: () => bytes, detected: { ext, mime } }, { optimize: 'auto', keepMetadata: false });
      return { bytes: out.bytes.length, output: out.extension, encodes, probes };
    }
    return { ...(await baseline(bytes, ext)), encodes: 1, probes: 0 };
  };
  await once(); // warm-up: loads sharp, starts the HEIC worker
  const times: number[] = [];
  let last = { bytes: 0, output: '', encodes: 0, probes: 0 };
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    last = await once();
    times.push(performance.now() - started);
  }
  await images.close();
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(RUNS / 2)]!, ...last, peakRss: process.resourceUsage().maxRSS * 1024 };
}

/** What a plain integration would do: decode, orient, resize to 2048, encode once at a fixed quality. */
async function baseline(bytes: Buffer, ext: string): Promise<{ bytes: number; output: string }> {
  const { default: sharp } = await import('sharp');
  if (ext === 'gif') {
    const out = await sharp(bytes, { animated: true }).resize({ width: 2048, height: 2048, fit: 'inside', withoutEnlargement: true }).gif().toBuffer();
    return { bytes: out.length, output: 'gif' };
  }
  let img;
  if (ext === 'heic') {
    // @ts-expect-error heic-decode ships no types
    const { default: decode } = (await import('heic-decode')) as { default: (o: { buffer: Buffer }) => Promise<{ width: number; height: number; data: Uint8ClampedArray }> };
    const { width, height, data } = await decode({ buffer: bytes });
    img = sharp(Buffer.from(data.buffer), { raw: { width, height, channels: 4 } }).removeAlpha();
  } else img = sharp(bytes, { autoOrient: true });
  const resized = img.resize({ width: 2048, height: 2048, fit: 'inside', withoutEnlargement: true });
  const out = ext === 'png' ? await resized.png().toBuffer() : await resized.jpeg({ quality: 80 }).toBuffer();
  return { bytes: out.length, output: ext === 'png' ? 'png' : 'jpg' };
}

/** The 12 MP photo as HEVC HEIC, via heif-enc at a quality that gives a phone-like file size. */
function makeHeic(photo: Buffer, dir: string): Buffer | undefined {
  const encoder = process.env.HEIF_ENC ?? 'heif-enc';
  const jpg = join(dir, 'for-heic.jpg');
  const heic = join(dir, 'photo.heic');
  writeFileSync(jpg, photo);
  try {
    execFileSync(encoder, ['-q', '50', jpg, '-o', heic], { stdio: 'ignore' });
    return readFileSync(heic);
  } catch {
    return undefined;
  }
}

const encodeCount = (m: Measurement) => (m.probes ? `${m.encodes} + ${m.probes} sample` : `${m.encodes}`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (bytes: number) => `${Math.round(bytes / 1_000_000)} MB`;

// Last, so every constant above is initialised before the top-level await runs.
if (process.argv[2] === '--child') {
  const [, , , mode, file, ext, mime] = process.argv;
  const result = mode === 'options' ? await compareOptions(readFileSync(file!), TARGET) : await measure(mode as 'pipeline' | 'baseline', file!, ext!, mime!);
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
} else {
  await main();
}
