/**
 * Small HEIF and APNG files written box by box and chunk by chunk, following ISO/IEC 23008-12 and the APNG
 * specification, for what encoders here cannot make: a JPEG-coded HEIF, transforms (irot/imir) on any item, an
 * APNG with blending and dispose operations.
 */
import { deflateSync } from 'node:zlib';
import { chunk } from '../../src/lib/image-metadata/png-chunks.js';

const u8 = (...v: number[]) => Buffer.from(v);
const u16 = (v: number) => Buffer.from([v >> 8, v & 255]);
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
};
const ascii = (s: string) => Buffer.from(s, 'latin1');

export const box = (type: string, ...parts: Uint8Array[]): Buffer => {
  const body = Buffer.concat(parts);
  return Buffer.concat([u32(8 + body.length), ascii(type), body]);
};
export const fullBox = (type: string, version: number, flags: number, ...parts: Uint8Array[]): Buffer =>
  box(type, u8(version, flags >> 16, (flags >> 8) & 255, flags & 255), ...parts);

/** irot: turn anticlockwise by `quarters` × 90°. imir: axis 0 exchanges top and bottom, 1 left and right. */
export const irot = (quarters: number) => box('irot', u8(quarters));
export const imir = (axis: number) => box('imir', u8(axis));
export const ispe = (width: number, height: number) => fullBox('ispe', 0, 0, u32(width), u32(height));

export interface HeifSpec {
  brands: [major: string, ...compatible: string[]];
  /** The primary item: its type, coded data and properties (all marked essential but ispe). */
  item: { type: string; data: Uint8Array; properties: Buffer[] };
  /** Items the primary one is derived from (a grid's tiles), linked with dimg. */
  inputs?: Array<{ type: string; data: Uint8Array }>;
  /** An EXIF item (TIFF bytes) linked to the primary item with cdsc. */
  exif?: Uint8Array;
}

/** ftyp, meta (hdlr pict, pitm, iinf, iloc, iref, iprp), mdat: item 1 is the primary image, then its inputs, then its EXIF. */
export function heifFile(spec: HeifSpec): Buffer {
  const [major, ...compatible] = spec.brands;
  const ftyp = box('ftyp', ascii(major), u32(0), ...compatible.map(ascii));
  const exif = spec.exif && { type: 'Exif', data: Buffer.concat([u32(0), spec.exif]) }; // offset to the TIFF header, then the TIFF
  const items = [spec.item, ...(spec.inputs ?? []), ...(exif ? [exif] : [])];
  const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
  const inputIds = ids(2, spec.inputs?.length ?? 0);
  const refs = [
    ...(inputIds.length ? [box('dimg', u16(1), u16(inputIds.length), ...inputIds.map(u16))] : []),
    ...(exif ? [box('cdsc', u16(items.length), u16(1), u16(1))] : []),
  ];
  const meta = (mdatStart: number) => {
    let at = mdatStart + 8;
    const locations = items.map(({ data }, i) => {
      const entry = Buffer.concat([u16(i + 1), u16(0), u16(1), u32(at), u32(data.length)]);
      at += data.length;
      return entry;
    });
    const infe = (id: number, type: string) => fullBox('infe', 2, 0, u16(id), u16(0), ascii(type), u8(0));
    const props = spec.item.properties;
    const associations = props.map((p, i) => ((p.toString('latin1', 4, 8) === 'ispe' ? 0 : 0x80) | (i + 1)));
    return fullBox(
      'meta',
      0,
      0,
      fullBox('hdlr', 0, 0, u32(0), ascii('pict'), Buffer.alloc(12), u8(0)),
      fullBox('pitm', 0, 0, u16(1)),
      fullBox('iinf', 0, 0, u16(items.length), ...items.map((item, i) => infe(i + 1, item.type))),
      fullBox('iloc', 0, 0, u8(0x44, 0x00), u16(items.length), ...locations),
      ...(refs.length ? [fullBox('iref', 0, 0, ...refs)] : []),
      box('iprp', box('ipco', ...props), fullBox('ipma', 0, 0, u32(1), u16(1), u8(associations.length, ...associations))),
    );
  };
  const size = meta(0).length; // the offsets do not change its length
  return Buffer.concat([ftyp, meta(ftyp.length + size), box('mdat', ...items.map((i) => i.data))]);
}

export interface ApngFrameSpec {
  x: number;
  y: number;
  width: number;
  height: number;
  rgba: [number, number, number, number];
  dispose: 0 | 1 | 2;
  blend: 0 | 1;
  delayMs: number;
}

/**
 * An RGBA APNG of solid-colour frames. `hiddenDefault`: a default image (grey) that is not part of the animation,
 * as the specification allows (IDAT before the first fcTL).
 */
export function apngFile(width: number, height: number, frames: ApngFrameSpec[], o: { plays?: number; hiddenDefault?: boolean } = {}): Buffer {
  const pixels = (w: number, h: number, rgba: number[]) => {
    const row = Buffer.concat([u8(0), Buffer.alloc(w * 4).fill(Buffer.from(rgba))]);
    return deflateSync(Buffer.concat(Array.from({ length: h }, () => row)));
  };
  let seq = 0;
  const out = [u8(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), chunk('IHDR', Buffer.concat([u32(width), u32(height), u8(8, 6, 0, 0, 0)]))];
  out.push(chunk('acTL', Buffer.concat([u32(frames.length), u32(o.plays ?? 0)])));
  if (o.hiddenDefault) out.push(chunk('IDAT', pixels(width, height, [128, 128, 128, 255])));
  frames.forEach((f, i) => {
    out.push(chunk('fcTL', Buffer.concat([u32(seq++), u32(f.width), u32(f.height), u32(f.x), u32(f.y), u16(f.delayMs), u16(1000), u8(f.dispose, f.blend)])));
    const data = pixels(f.width, f.height, f.rgba);
    out.push(i === 0 && !o.hiddenDefault ? chunk('IDAT', data) : chunk('fdAT', Buffer.concat([u32(seq++), data])));
  });
  out.push(chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(out);
}
