import { fitWithin } from './decode.js';
import { scaleToFit } from '../../core/fit-bytes.js';
import { recompressStep, refuse } from '../../core/policy.js';
import { gifIsComplete } from '../../lib/image-metadata/gif-blocks.js';
import type { Header } from './inspect.js';
import { untrusted, type SharpFactory } from './load.js';

/**
 * Animations (GIF, and animated WebP and PNG converted to GIF) stay animated. Over budget they lose, in this order:
 * size (down to MIN_SIDE on the long edge), colour (dithering off for truecolour sources, then 16 colours —
 * sharp's quantiser offers 256, 16, 4 or 2), and last frames (every 2nd, 3rd, … frame kept, with the delays
 * summed so the animation keeps its pace). Each loss is named in the steps. Sizes are predicted from the last
 * encode (or the upload itself), so a typical GIF takes two or three encodes.
 */
export interface AnimationResult {
  bytes: Buffer;
  width: number;
  height: number;
  steps: string[];
  encodes: number;
}

interface Frames {
  data: Buffer;
  width: number;
  height: number;
  count: number;
  premultiplied: boolean;
}

/** Frames already decoded and composed (an APNG, see apng.ts): RGBA at 8 bits, each below the one before. */
export interface RawFrames {
  data: Buffer;
  width: number;
  /** Of one frame. */
  height: number;
  count: number;
}

const MIN_SIDE = 320;
const MAX_STRIDE = 4;
const MAX_SHRINKS = 3;

export async function fitAnimation(
  sharp: SharpFactory,
  source: Uint8Array | RawFrames,
  header: Header,
  o: { target: number; maxDimension: number; maxPixels: number },
): Promise<AnimationResult> {
  const bytes = source instanceof Uint8Array ? source : undefined;
  if (header.format === 'gif' && (!bytes || !gifIsComplete(bytes))) throw refuse.unreadable('gif');
  const open = () =>
    source instanceof Uint8Array
      ? sharp(source, untrusted(o.maxPixels, { animated: true }))
      : sharp(source.data, { animated: true, raw: { width: source.width, height: source.height * source.count, pageHeight: source.height, channels: 4 } });
  const decode = async (width: number): Promise<Frames> => {
    try {
      const img = open().resize({ width }).ensureAlpha();
      const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
      const height = info.pageHeight ?? info.height;
      return { data, width: info.width, height, count: Math.round(info.height / height), premultiplied: info.premultiplied };
    } catch (err) {
      throw refuse.unreadable(header.format, err);
    }
  };
  const floor = Math.min(MIN_SIDE, Math.max(header.width, header.height));
  // The scale that takes `size` bytes under budget, but not below the floor and never up.
  const shrink = (width: number, height: number, size: number) =>
    Math.min(1, Math.max(scaleToFit(width, height, size, o.target).width / width, floor / Math.max(width, height)));
  const capped = fitWithin(header.width, header.height, o.maxDimension);
  let width = capped.width;
  // A GIF upload's own size predicts a GIF re-encode's: start at the size the budget allows, not at full size.
  const predicted = ((bytes?.length ?? 0) * capped.width * capped.height) / (header.width * header.height);
  if (header.format === 'gif' && predicted > o.target) width = Math.round(width * shrink(capped.width, capped.height, predicted));
  let frames = await decode(width);
  let colours = 256;
  // GIF frames are already reduced to a palette: dithering them again only adds noise (and bytes).
  let dither = header.format === 'gif' ? 0 : 1;
  let stride = 1;
  let encodes = 0;
  let out: Buffer = Buffer.alloc(0);
  const over = async () => {
    encodes++;
    out = await encodeGif(sharp, frames, { colours, dither, stride, delay: header.delay, loop: header.loop ?? 0 });
    return out.length > o.target;
  };

  await over();
  // Each smaller size is a prediction from the last encode; where one falls short (flat colours gain edges when
  // scaled), the next is predicted from it, down to the floor.
  for (let i = 0; i < MAX_SHRINKS && out.length > o.target; i++) {
    const scale = shrink(frames.width, frames.height, out.length);
    if (scale >= 0.98) break;
    frames = await decode(Math.max(1, Math.round(frames.width * scale)));
    await over();
  }
  if (out.length > o.target && dither > 0) {
    dither = 0;
    await over();
  }
  if (out.length > o.target) {
    colours = 16;
    await over();
  }
  while (out.length > o.target && stride < MAX_STRIDE && frames.count / (stride + 1) >= 2) {
    stride++;
    await over();
  }
  if (out.length > o.target) {
    const tried = `${frames.width}×${frames.height} with 16 colours${stride > 1 ? ` and only every ${ordinal(stride)} frame` : ''}`;
    throw refuse.animationDoesNotFit(tried, out.length, o.target);
  }
  const steps: string[] = [];
  if (frames.width !== header.width || frames.height !== header.height) steps.push(`resize:${header.width}x${header.height}->${frames.width}x${frames.height}`);
  if (dither === 0 && header.format !== 'gif') steps.push('dither:none');
  if (colours < 256) steps.push(`colors:${colours}`);
  if (stride > 1) steps.push(`frames:${frames.count}->${Math.ceil(frames.count / stride)}`);
  if (steps.length === 0 && header.format === 'gif') steps.push(recompressStep('gif'));
  return { bytes: out, width: frames.width, height: frames.height, steps, encodes };
}

async function encodeGif(
  sharp: SharpFactory,
  f: Frames,
  o: { colours: number; dither: number; stride: number; delay?: number[]; loop: number },
): Promise<Buffer> {
  const frameBytes = f.width * f.height * 4;
  const kept = Array.from({ length: Math.ceil(f.count / o.stride) }, (_, i) => i * o.stride);
  const data = o.stride === 1 ? f.data : Buffer.concat(kept.map((i) => f.data.subarray(i * frameBytes, (i + 1) * frameBytes)));
  // A kept frame stays on screen for the frames dropped after it, so the animation keeps its pace.
  const delay = o.delay && kept.map((i) => o.delay!.slice(i, i + o.stride).reduce((a, b) => a + b, 0));
  return sharp(data, { raw: { width: f.width, height: f.height * kept.length, channels: 4, pageHeight: f.height, premultiplied: f.premultiplied } })
    .gif({ colours: o.colours, dither: o.dither, effort: 1, loop: o.loop, ...(delay ? { delay } : {}) })
    .toBuffer();
}

const ordinal = (n: number) => (n === 2 ? '2nd' : n === 3 ? '3rd' : `${n}th`);
