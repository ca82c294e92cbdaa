import { Pieces } from './pieces.js';
import { boxes, fileBrands, firstSampleEntry, handlerType, type Box, type Brands } from './containers/iso-boxes.js';

/**
 * HEIF (ISO/IEC 23008-12), read in place from its ISO base media file format boxes: enough to tell what an image
 * file holds — its primary item's coding, its properties, where its data is, and whether it carries an image
 * sequence. Runtime-neutral (no Buffer), never throws: a box that runs past the end is cut at the end, a malformed
 * one ends the walk. The boxes, and the brands that say what a file is, are read by containers/iso-boxes.ts; they
 * are part of this module's answer for the readers of images (the sniffer, the HEIF decoders' adapter).
 */
export { boxes, fileBrands, withMajorBrand, type Box, type Brands } from './containers/iso-boxes.js';

const fourcc = (b: Uint8Array, at: number) => String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

const child = (b: Uint8Array, parent: Box, type: string, skip = 0) => boxes(b, parent.body + skip, parent.end).find((c) => c.type === type);

export interface HeifItem {
  id: number;
  /** hvc1, av01, jpeg, unci, grid, Exif, mime… ('' when its infe is too old to say). */
  type: string;
  /** Its properties, in order, with whether a reader must understand each to show the image. */
  properties: Array<{ box: Box; essential: boolean }>;
  /** 0: the extents are file offsets; 1: offsets into the meta box's idat. */
  construction: number;
  extents: Array<{ offset: number; length: number }>;
}

export interface HeifLayout {
  brands: Brands;
  /** The image the file shows, when it has a meta box that names one. */
  primary?: HeifItem;
  /** The items a derived primary (grid, overlay, …) is made of, in order. */
  inputs: HeifItem[];
  /** The EXIF item describing the primary image, if any. */
  exif?: HeifItem;
  /** A track of pictures (animation, burst): the coding of its first sample description. */
  sequence?: { codec: string };
  /** The compact `mini` box of the mif3 brand stands where `meta` would. */
  mini: boolean;
  idat?: Box;
}

/** What a HEIF/AVIF file holds; undefined when it does not start with an `ftyp` box. */
export function heifLayout(b: Uint8Array): HeifLayout | undefined {
  const brands = fileBrands(b);
  if (!brands) return undefined;
  const top = boxes(b);
  const layout: HeifLayout = { brands, inputs: [], mini: top.some((t) => t.type === 'mini') };
  const moov = top.find((t) => t.type === 'moov');
  if (moov) layout.sequence = pictureTrack(b, moov);
  const meta = top.find((t) => t.type === 'meta');
  if (meta) readMeta(b, { ...meta, body: meta.body + 4 }, layout); // meta is a full box
  return layout;
}

function readMeta(b: Uint8Array, meta: Box, layout: HeifLayout): void {
  const v = view(b);
  const parts = boxes(b, meta.body, meta.end);
  const find = (type: string) => parts.find((p) => p.type === type);
  const types = itemTypes(b, find('iinf'));
  const locations = itemLocations(b, find('iloc'));
  const properties = itemProperties(b, find('iprp'));
  const refs = itemReferences(b, find('iref'));
  layout.idat = find('idat');
  const item = (id: number): HeifItem => ({ id, type: types.get(id) ?? '', properties: properties.get(id) ?? [], ...(locations.get(id) ?? { construction: 0, extents: [] }) });
  const pitm = find('pitm');
  const wide = pitm !== undefined && b[pitm.body] !== 0;
  if (!pitm || pitm.body + (wide ? 8 : 6) > pitm.end) return;
  const id = wide ? v.getUint32(pitm.body + 4) : v.getUint16(pitm.body + 4);
  layout.primary = item(id);
  layout.inputs = (refs.find((r) => r.type === 'dimg' && r.from === id)?.to ?? []).map(item);
  const exif = refs.find((r) => r.type === 'cdsc' && r.to.includes(id) && types.get(r.from) === 'Exif');
  if (exif) layout.exif = item(exif.from);
}

/** item ID → item type, from the infe boxes (version 2 and 3 name the type). */
function itemTypes(b: Uint8Array, iinf: Box | undefined): Map<number, string> {
  const out = new Map<number, string>();
  if (!iinf) return out;
  const v = view(b);
  for (const infe of boxes(b, iinf.body + (b[iinf.body] === 0 ? 6 : 8), iinf.end)) {
    const version = b[infe.body]!;
    if (infe.type !== 'infe' || version < 2 || infe.body + (version === 2 ? 12 : 14) > infe.end) continue;
    const id = version === 2 ? v.getUint16(infe.body + 4) : v.getUint32(infe.body + 4);
    out.set(id, fourcc(b, infe.body + (version === 2 ? 8 : 10)));
  }
  return out;
}

/** item ID → its extents, from iloc (versions 0–2). */
function itemLocations(b: Uint8Array, iloc: Box | undefined): Map<number, Pick<HeifItem, 'construction' | 'extents'>> {
  const out = new Map<number, Pick<HeifItem, 'construction' | 'extents'>>();
  if (!iloc || iloc.body + 8 > iloc.end) return out;
  const v = view(b);
  const version = b[iloc.body]!;
  let at = iloc.body + 4;
  const sizes = { offset: b[at]! >> 4, length: b[at]! & 15, base: b[at + 1]! >> 4, index: version > 0 ? b[at + 1]! & 15 : 0 };
  // An extent written in no bytes at all would let a few bytes of table stand for billions of them.
  if (sizes.offset + sizes.length + sizes.index === 0) return out;
  at += 2;
  const int = (n: number) => {
    if (at + n > iloc.end) throw new RangeError('iloc');
    const value = n === 0 ? 0 : n === 2 ? v.getUint16(at) : n === 4 ? v.getUint32(at) : n === 8 ? Number(v.getBigUint64(at)) : NaN;
    at += n;
    if (Number.isNaN(value)) throw new RangeError('iloc');
    return value;
  };
  try {
    for (let count = int(version < 2 ? 2 : 4); count > 0; count--) {
      const id = int(version < 2 ? 2 : 4);
      const construction = version > 0 ? int(2) & 15 : 0;
      int(2); // data reference index: 0, this file
      const base = int(sizes.base);
      const extents: HeifItem['extents'] = [];
      for (let n = int(2); n > 0; n--) {
        int(sizes.index);
        const offset = base + int(sizes.offset);
        extents.push({ offset, length: int(sizes.length) });
      }
      out.set(id, { construction, extents });
    }
  } catch {
    // A cut-short table: the items read so far stand.
  }
  return out;
}

/** item ID → its property boxes, from ipco and ipma. */
function itemProperties(b: Uint8Array, iprp: Box | undefined): Map<number, HeifItem['properties']> {
  const out = new Map<number, HeifItem['properties']>();
  const ipco = iprp && child(b, iprp, 'ipco');
  if (!iprp || !ipco) return out;
  const v = view(b);
  const all = boxes(b, ipco.body, ipco.end);
  for (const ipma of boxes(b, iprp.body, iprp.end).filter((p) => p.type === 'ipma')) {
    const version = b[ipma.body]!;
    const wide = (b[ipma.body + 3]! & 1) === 1;
    let at = ipma.body + 8;
    for (let n = ipma.body + 8 <= ipma.end ? v.getUint32(ipma.body + 4) : 0; n > 0 && at + (version < 1 ? 3 : 5) <= ipma.end; n--) {
      const id = version < 1 ? v.getUint16(at) : v.getUint32(at);
      at += version < 1 ? 2 : 4;
      const list: HeifItem['properties'] = [];
      for (let count = b[at++]!; count > 0 && at + (wide ? 2 : 1) <= ipma.end; count--) {
        const raw = wide ? v.getUint16(at) : b[at]!;
        at += wide ? 2 : 1;
        const index = raw & (wide ? 0x7fff : 0x7f);
        const box = all[index - 1]; // 1-based; 0 means none
        if (box) list.push({ box, essential: (raw & (wide ? 0x8000 : 0x80)) !== 0 });
      }
      out.set(id, list);
    }
  }
  return out;
}

function itemReferences(b: Uint8Array, iref: Box | undefined): Array<{ type: string; from: number; to: number[] }> {
  if (!iref) return [];
  const v = view(b);
  const wide = b[iref.body] !== 0;
  const id = (at: number) => (wide ? v.getUint32(at) : v.getUint16(at));
  const step = wide ? 4 : 2;
  return boxes(b, iref.body + 4, iref.end)
    .filter((r) => r.body + 2 * step + 2 <= r.end)
    .map((r) => {
      const count = v.getUint16(r.body + step);
      const to: number[] = [];
      for (let i = 0, at = r.body + step + 2; i < count && at + step <= r.end; i++, at += step) to.push(id(at));
      return { type: r.type, from: id(r.body), to };
    });
}

/** The first track whose handler shows pictures (pict, or vide as image sequences written by video tools have). */
function pictureTrack(b: Uint8Array, moov: Box): HeifLayout['sequence'] {
  const pieces = Pieces.of(b);
  for (const trak of boxes(pieces, moov.body, moov.end).filter((t) => t.type === 'trak')) {
    const mdia = child(b, trak, 'mdia');
    const hdlr = mdia && child(b, mdia, 'hdlr');
    const handler = hdlr && handlerType(pieces, hdlr);
    if (!mdia || (handler !== 'pict' && handler !== 'vide')) continue;
    const minf = child(b, mdia, 'minf');
    const stbl = minf && child(b, minf, 'stbl');
    const stsd = stbl && child(b, stbl, 'stsd');
    return { codec: (stsd && firstSampleEntry(pieces, stsd)) ?? '' };
  }
  return undefined;
}

/** The bytes of an item, joined from its extents; undefined when they are not all in the file. */
export function itemData(b: Uint8Array, layout: HeifLayout, item: HeifItem): Uint8Array | undefined {
  const base = item.construction === 1 ? layout.idat : item.construction === 0 ? { body: 0, end: b.length } : undefined;
  if (!base || item.extents.length === 0) return undefined;
  const parts: Uint8Array[] = [];
  for (const { offset, length } of item.extents) {
    const from = base.body + offset;
    // A length of 0 means "to the end of the file" (or of the idat).
    const to = length === 0 ? base.end : from + length;
    if (from < base.body || to > base.end || to < from) return undefined;
    parts.push(b.subarray(from, to));
  }
  if (parts.length === 1) return parts[0];
  // The same bytes may be listed again and again: an item is never larger than the file that holds it.
  const total = parts.reduce((n, p) => n + p.length, 0);
  if (total > b.length) return undefined;
  const out = new Uint8Array(total);
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}
