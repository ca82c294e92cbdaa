import { Buffer } from 'node:buffer';
import { refuse } from '../../core/policy.js';
import { chunk } from '../../lib/image-metadata/png-chunks.js';
import { readApng, type Apng, type ApngFrame } from '../../lib/png-animation.js';
import type { RawFrames } from './gif.js';
import { untrusted, type SharpFactory } from './load.js';

/**
 * The frames of an animated PNG, composed as a browser shows them, ready to become an animated GIF. libvips reads
 * only an APNG's default image, so each frame's compressed data is wrapped as a PNG of its own (the file's IHDR,
 * palette and colour chunks, at the frame's size) and decoded by sharp; each is then put on the canvas (replacing
 * its area, or blended over it by libvips), the canvas is copied out as that frame, and the frame's area is left,
 * cleared or put back as its dispose operation says. Pixels are only moved here, a row at a time; decoding and
 * blending run in libvips, off the event loop.
 */
export async function composeApng(sharp: SharpFactory, bytes: Uint8Array, maxPixels: number): Promise<RawFrames> {
  const apng = readApng(bytes);
  const ihdr = apng?.shared.find((c) => c.type === 'IHDR');
  if (!apng || !ihdr || ihdr.end - ihdr.data !== 13) throw refuse.unreadable('png');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(ihdr.data);
  const height = view.getUint32(ihdr.data + 4);
  const frameBytes = width * height * 4;
  let canvas = Buffer.alloc(frameBytes); // transparent black, as every APNG starts
  const out = Buffer.alloc(frameBytes * apng.frames.length);
  for (const [i, frame] of apng.frames.entries()) {
    if (frame.x + frame.width > width || frame.y + frame.height > height) throw refuse.unreadable('png');
    const pixels = await decodeFrame(sharp, bytes, apng, frame, maxPixels);
    const before = frame.dispose === 2 ? copyArea(canvas, width, frame) : undefined;
    if (frame.blend === 1) {
      canvas = await sharp(canvas, { raw: { width, height, channels: 4 } })
        .composite([{ input: pixels, raw: { width: frame.width, height: frame.height, channels: 4 }, left: frame.x, top: frame.y, blend: 'over' }])
        .raw()
        .toBuffer();
    } else pasteArea(canvas, width, frame, pixels);
    canvas.copy(out, i * frameBytes);
    if (frame.dispose === 1) pasteArea(canvas, width, frame, Buffer.alloc(frame.width * frame.height * 4));
    else if (before) pasteArea(canvas, width, frame, before);
  }
  return { data: out, width, height, count: apng.frames.length };
}

/** One frame's picture, RGBA at 8 bits, from its data wrapped as a PNG of its own. */
async function decodeFrame(sharp: SharpFactory, bytes: Uint8Array, apng: Apng, frame: ApngFrame, maxPixels: number): Promise<Buffer> {
  const chunks = apng.shared.map((c) => {
    const data = Buffer.from(bytes.subarray(c.data, c.end));
    if (c.type === 'IHDR') {
      data.writeUInt32BE(frame.width, 0);
      data.writeUInt32BE(frame.height, 4);
    }
    return chunk(c.type, data);
  });
  const png = Buffer.concat([Buffer.from(bytes.subarray(0, 8)), ...chunks, chunk('IDAT', Buffer.concat(frame.data)), chunk('IEND', Buffer.alloc(0))]);
  try {
    const { data, info } = await sharp(png, untrusted(maxPixels)).toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.width !== frame.width || info.height !== frame.height || info.channels !== 4) throw new Error('frame size');
    return data;
  } catch (err) {
    throw refuse.unreadable('png', err);
  }
}

type Area = Pick<ApngFrame, 'x' | 'y' | 'width' | 'height'>;

function copyArea(canvas: Buffer, width: number, a: Area): Buffer {
  const out = Buffer.alloc(a.width * a.height * 4);
  for (let row = 0; row < a.height; row++) {
    const from = ((a.y + row) * width + a.x) * 4;
    canvas.copy(out, row * a.width * 4, from, from + a.width * 4);
  }
  return out;
}

function pasteArea(canvas: Buffer, width: number, a: Area, pixels: Buffer): void {
  for (let row = 0; row < a.height; row++) pixels.copy(canvas, ((a.y + row) * width + a.x) * 4, row * a.width * 4, (row + 1) * a.width * 4);
}
