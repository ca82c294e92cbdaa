/**
 * `npm run bench:decode-memory [-- more.heic …]`: the working memory of one image decode (W in docs/performance.md,
 * Memory). Each image is processed once by SharpImages (optimize=auto, long edge 2048) in a process of its own, and W
 * is that process's max RSS after the image minus its max RSS before it, sharp loaded and warmed up, the file
 * already read: the baseline is the same process just before. Files named on the command line are measured too
 * (their type from the extension), e.g. a HEIC made with heif-enc, which is not an npm package.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SharpImages } from '../src/adapters/sharp/index.js';
import { formatBytes } from '../src/core/errors.js';
import { phoneJpeg } from '../test/images/fixtures.js';

const MIME: Record<string, string> = { jpg: 'image/jpeg', png: 'image/png', heic: 'image/heic', webp: 'image/webp', gif: 'image/gif' };

async function child(file: string): Promise<void> {
  const bytes = readFileSync(file);
  const ext = extname(file).slice(1);
  const images = new SharpImages({ targetBytes: 600_000, maxDimension: 2048, maxPixels: 50_000_000, concurrency: 1, queueLimit: 0 });
  const { default: sharp } = await import('sharp');
  await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } }).jpeg().toBuffer(); // loads libvips
  const before = process.resourceUsage().maxRSS * 1024;
  await images.process({ size: bytes.length, read: () => bytes, detected: { ext, mime: MIME[ext]! } }, { optimize: 'auto', keepMetadata: false });
  const after = process.resourceUsage().maxRSS * 1024;
  await images.close();
  console.log(JSON.stringify({ before, after }));
}

/** 50 MP (8660×5773) from noise scaled up: a JPEG that asks to be turned (EXIF orientation 6), and a PNG. */
async function largeImages(dir: string): Promise<string[]> {
  const { default: sharp } = await import('sharp');
  const base = await sharp({ create: { width: 866, height: 577, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .png()
    .toBuffer();
  const jpg = join(dir, '50mp-rotated.jpg');
  const png = join(dir, '50mp.png');
  writeFileSync(jpg, await sharp(base).resize(8660, 5773, { kernel: 'cubic' }).jpeg({ quality: 80 }).withMetadata({ orientation: 6 }).toBuffer());
  writeFileSync(png, await sharp(base).resize(8660, 5773, { kernel: 'nearest' }).png({ compressionLevel: 9 }).toBuffer());
  return [jpg, png];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-decode-memory-'));
  const photo = join(dir, '12mp-phone-rotated.jpg');
  writeFileSync(photo, await phoneJpeg());
  const files = [photo, ...(await largeImages(dir)), fileURLToPath(new URL('../test/fixtures/iphone-portrait.heic', import.meta.url)), ...process.argv.slice(2)];
  console.log(`Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim()}, MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? '(unset)'}\n`);
  console.log('| image | file | max RSS before | after | W |\n|---|---:|---:|---:|---:|');
  for (const file of files) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${file}: ${r.stderr}`);
    const { before, after } = JSON.parse(r.stdout) as { before: number; after: number };
    const mib = (n: number) => `${Math.round(n / 2 ** 20)} MiB`;
    console.log(`| ${file.split('/').pop()} | ${formatBytes(readFileSync(file).length)} | ${mib(before)} | ${mib(after)} | ${mib(after - before)} |`);
  }
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv[2] === '--child') await child(process.argv[3]!);
else await main();
