import { BitReader } from './bit-reader.js';

/**
 * The AAC facts of an MP4 audio track, read from its `esds` box (ISO/IEC 14496-1 descriptors holding the MPEG-4
 * AudioSpecificConfig, ISO/IEC 14496-3 1.6.2.1). Only plain AAC-LC is read: object type 2, at 32, 44.1 or 48 kHz, mono
 * or stereo by its channel configuration, with at most the explicit statement that no SBR (HE-AAC) follows.
 * Implicit HE-AAC, which only decoding reveals, hides below 32 kHz; anything else is undefined.
 */

export interface AacLc {
  channels: 1 | 2;
  sampleRate: number;
}

/** Sampling frequencies by index (0 to 2: 96, 88.2 and 64 kHz, not for a phone); 48, 44.1 and 32 kHz are accepted. */
const SAMPLE_RATES: Readonly<Record<number, number>> = { 3: 48000, 4: 44100, 5: 32000 };
const MPEG4_AUDIO = 0x40;
const AUDIO_STREAM = 5;
const AAC_LC = 2;
const SBR = 5;
/** The sync word of a backward-compatible extension after the AAC configuration (explicit SBR signalling). */
const SYNC_EXTENSION = 0x2b7;

/** A descriptor's tag and where its payload lies in `bytes`: the size takes 1 to 4 bytes of 7 bits each. */
function descriptor(bytes: Uint8Array, at: number, tag: number): { body: number; end: number } | undefined {
  if (bytes[at] !== tag) return undefined;
  let size = 0;
  let p = at + 1;
  for (let i = 0; i < 4; i++, p++) {
    if (p >= bytes.length) return undefined;
    size = size * 128 + (bytes[p]! & 0x7f);
    if ((bytes[p]! & 0x80) === 0) return p + 1 + size <= bytes.length ? { body: p + 1, end: p + 1 + size } : undefined;
  }
  return undefined;
}

/** An `esds` payload (version and flags, then the ES descriptor) holding AAC-LC, read; undefined otherwise. */
export function readEsdsAac(esds: Uint8Array): AacLc | undefined {
  if (esds.length < 4 || esds[0] !== 0) return undefined;
  const es = descriptor(esds, 4, 0x03);
  // The ES descriptor: its id, then flags for a dependency, a URL or a clock stream, none of which plain files use.
  if (!es || es.body + 3 > es.end || (esds[es.body + 2]! & 0xe0) !== 0) return undefined;
  const config = descriptor(esds, es.body + 3, 0x04);
  // The decoder configuration: object type, stream type (6 bits), buffer size, bit rates (13 bytes), then the ASC.
  if (!config || config.body + 13 > config.end || config.end > es.end) return undefined;
  if (esds[config.body] !== MPEG4_AUDIO || esds[config.body + 1]! >> 2 !== AUDIO_STREAM) return undefined;
  const specific = descriptor(esds, config.body + 13, 0x05);
  if (!specific || specific.end > config.end) return undefined;
  return readAudioSpecificConfig(esds.subarray(specific.body, specific.end));
}

function readAudioSpecificConfig(asc: Uint8Array): AacLc | undefined {
  const r = new BitReader(asc);
  const objectType = r.bits(5);
  const rateIndex = r.bits(4);
  const channels = r.bits(4);
  // GASpecificConfig: 1024-sample frames, no core coder, no extension.
  const frameLength960 = r.flag();
  const coreCoder = r.flag();
  const extension = r.flag();
  if (r.overrun || objectType !== AAC_LC || SAMPLE_RATES[rateIndex] === undefined || (channels !== 1 && channels !== 2)) return undefined;
  if (frameLength960 || coreCoder || extension) return undefined;
  // What ffmpeg writes after it: the sync word, object type SBR and "SBR absent". Present SBR means HE-AAC.
  if (r.left >= 17 && peek(asc, 16, 11) === SYNC_EXTENSION) {
    r.bits(11);
    if (r.bits(5) !== SBR || r.flag()) return undefined;
  }
  // Nothing else but padding.
  while (r.left > 0) if (r.bits(1) !== 0) return undefined;
  return { channels, sampleRate: SAMPLE_RATES[rateIndex]! };
}

/** `n` bits of `bytes` from bit `at`, without moving a reader. */
function peek(bytes: Uint8Array, at: number, n: number): number {
  const r = new BitReader(bytes);
  r.bits(at);
  return r.bits(n);
}
