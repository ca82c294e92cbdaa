/**
 * Whether a video, audio or PDF file has what a player or viewer needs, read from its container alone (no decoder):
 * an MP4/3GP with an index (`moov`) naming a video or sound track with samples, an MP3 with a whole frame of
 * audio, a WAV with samples, an Ogg stream past its headers, a PDF header where viewers look for it. Returns why
 * the file would not play, or undefined.
 */
export function whyNotPlayable(bytes: Uint8Array, contentType: string): string | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  switch (contentType) {
    case 'video/mp4':
    case 'video/3gpp':
      return isoMediaProblem(b);
    case 'audio/mpeg':
      return mp3Problem(b);
    case 'audio/wav':
      return wavProblem(b);
    case 'audio/ogg':
      return oggProblem(b);
    case 'application/pdf':
      return b.toString('latin1', 0, 1024).includes('%PDF-') ? undefined : 'no %PDF- header in the first 1024 bytes';
    default:
      return `no structure check for ${contentType}`;
  }
}

interface Box {
  type: string;
  start: number;
  /** Where the payload starts. */
  body: number;
  end: number;
}

/** The boxes from `from` to `to`, or a sentence when one runs past the end. */
function boxes(b: Buffer, from: number, to: number): Box[] | string {
  const list: Box[] = [];
  for (let p = from; p < to; ) {
    if (p + 8 > to) return `a box header is cut off at byte ${p}`;
    let size = b.readUInt32BE(p);
    let body = p + 8;
    if (size === 1) {
      if (p + 16 > to) return `a box header is cut off at byte ${p}`;
      size = Number(b.readBigUInt64BE(p + 8));
      body = p + 16;
    } else if (size === 0) size = to - p;
    const type = b.toString('latin1', p + 4, p + 8);
    if (size < body - p || p + size > to) return `the ${type} box at byte ${p} runs past the end of the file`;
    list.push({ type, start: p, body, end: p + size });
    p += size;
  }
  return list;
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'mvex', 'edts']);

function isoMediaProblem(b: Buffer): string | undefined {
  const top = boxes(b, 0, b.length);
  if (typeof top === 'string') return top;
  if (top[0]?.type !== 'ftyp') return 'it does not start with an ftyp box';
  const moov = top.find((x) => x.type === 'moov');
  if (!moov) return 'it has no moov box (no index of its samples)';
  if (!top.some((x) => x.type === 'mdat' && x.end > x.body)) return 'it has no media data (mdat)';
  const fragmented = top.some((x) => x.type === 'moof');
  const tracks = boxes(b, moov.body, moov.end);
  if (typeof tracks === 'string') return tracks;
  let playable = 0;
  for (const trak of tracks.filter((x) => x.type === 'trak')) {
    const found = new Map<string, Box>();
    const walk = (from: number, to: number): string | undefined => {
      const inner = boxes(b, from, to);
      if (typeof inner === 'string') return inner;
      for (const x of inner) {
        found.set(x.type, x);
        if (CONTAINERS.has(x.type)) {
          const problem = walk(x.body, x.end);
          if (problem) return problem;
        }
      }
      return undefined;
    };
    const problem = walk(trak.body, trak.end);
    if (problem) return problem;
    const hdlr = found.get('hdlr');
    const handler = hdlr && b.toString('latin1', hdlr.body + 8, hdlr.body + 12);
    const stsz = found.get('stsz');
    const samples = stsz && stsz.end >= stsz.body + 12 ? b.readUInt32BE(stsz.body + 8) : 0;
    if ((handler === 'vide' || handler === 'soun') && (samples > 0 || fragmented)) playable++;
  }
  return playable > 0 ? undefined : 'no video or sound track with samples';
}

const MP3_BITRATES: Readonly<Record<string, readonly number[]>> = {
  // kbit/s by bitrate index 1..14, for MPEG-1 and MPEG-2/2.5, layers I, II, III.
  '1-1': [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  '1-2': [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  '1-3': [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2-1': [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  '2-2': [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  '2-3': [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MP3_RATES: Readonly<Record<number, readonly number[]>> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/** The length of the MPEG audio frame whose header is at `p`, or undefined when no valid header is there. */
export function mpegFrameLength(b: Buffer, p: number): number | undefined {
  if (p + 4 > b.length || b[p] !== 0xff || (b[p + 1]! & 0xe0) !== 0xe0) return undefined;
  const version = (b[p + 1]! >> 3) & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
  const layer = 4 - ((b[p + 1]! >> 1) & 3); // 1, 2 or 3
  const bitrateIndex = b[p + 2]! >> 4;
  const rateIndex = (b[p + 2]! >> 2) & 3;
  const padding = (b[p + 2]! >> 1) & 1;
  if (version === 1 || layer === 4 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const bitrate = MP3_BITRATES[`${version === 3 ? 1 : 2}-${layer}`]![bitrateIndex - 1]! * 1000;
  const rate = MP3_RATES[version]![rateIndex]!;
  if (layer === 1) return (Math.floor((12 * bitrate) / rate) + padding) * 4;
  const perSample = layer === 3 && version !== 3 ? 72 : 144;
  return Math.floor((perSample * bitrate) / rate) + padding;
}

/** How far into the file players look for the first frame past the ID3 tag. */
const MP3_RESYNC_BYTES = 4096;

function mp3Problem(b: Buffer): string | undefined {
  let start = 0;
  if (b.toString('latin1', 0, 3) === 'ID3' && b.length >= 10) {
    start = 10 + ((b[6]! & 0x7f) << 21) + ((b[7]! & 0x7f) << 14) + ((b[8]! & 0x7f) << 7) + (b[9]! & 0x7f) + (b[5]! & 0x10 ? 10 : 0);
  }
  for (let p = start; p < Math.min(b.length, start + MP3_RESYNC_BYTES); p++) {
    // A frame chain: each frame whole and followed by another header or by the end of the file.
    let audio = 0;
    let frames = 0;
    for (let q = p, n; (n = mpegFrameLength(b, q)) !== undefined && q + n <= b.length; q += n) {
      frames++;
      const tag = b.toString('latin1', q + 4, Math.min(q + n, q + 64));
      if (!/Xing|Info|VBRI/.test(tag)) audio++;
      if (q + n === b.length || (frames >= 3 && audio > 0)) return audio > 0 ? undefined : 'no whole frame of audio';
    }
  }
  return 'no whole frame of audio';
}

function wavProblem(b: Buffer): string | undefined {
  if (b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WAVE') return 'not a RIFF WAVE file';
  let fmt = false;
  for (let p = 12; p + 8 <= b.length; ) {
    const type = b.toString('latin1', p, p + 4);
    const size = b.readUInt32LE(p + 4);
    if (type === 'fmt ') fmt = true;
    if (type === 'data') {
      if (!fmt) return 'its data chunk comes before its fmt chunk';
      const present = Math.min(size, b.length - p - 8);
      return present > 0 ? undefined : 'its data chunk holds no samples';
    }
    p += 8 + size + (size & 1);
  }
  return 'it has no data chunk';
}

function oggProblem(b: Buffer): string | undefined {
  let audio = false;
  let first: string | undefined;
  for (let p = 0; p < b.length; ) {
    if (b.toString('latin1', p, p + 4) !== 'OggS' || p + 27 > b.length) return `no Ogg page at byte ${p}`;
    const segments = b[p + 26]!;
    if (p + 27 + segments > b.length) return `the Ogg page at byte ${p} is cut off`;
    const body = b.subarray(p + 27, p + 27 + segments).reduce((a, x) => a + x, 0);
    const data = p + 27 + segments;
    if (data + body > b.length) return `the Ogg page at byte ${p} is cut off`;
    first ??= b.toString('latin1', data, data + 8);
    if (b.readBigInt64LE(p + 6) > 0n) audio = true;
    p = data + body;
  }
  if (!first || !/^(\x01vorbis|OpusHead|\x7fFLAC|Speex)/.test(first)) return 'its first packet is not a Vorbis, Opus, FLAC or Speex header';
  return audio ? undefined : 'no Ogg page holds audio';
}
