/**
 * The files `npm run bench:load` sends, each with its multipart envelope: a real 12 MP phone JPEG, a real H.264 +
 * AAC MP4 and a real MP3 (made once with ffmpeg and kept in the temp folder), and a PDF.
 *
 * The MP4 and MP3 are what the service keeps as they are (playable codecs, within the endpoint's size, index
 * first, no metadata) and are sent with `optimize=off`, so their rows measure hosting (sniff, probe, keep as
 * sent, store), not transcoding: what converting costs is bench:media's.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BOUNDARY = '----mms-media-bench-7f3a9c1e5b';
export const MB = 1_000_000;
/** The size of each resumable upload: more than one part of the S3 store (5 MiB), as a phone video is. */
export const TUS_FILE_BYTES = 8 * MB;
/** The query the video and audio are sent with: kept as sent, never transcoded. */
export const AS_SENT = 'optimize=off';

const CACHE = join(tmpdir(), 'mms-media-bench-load-v1');

export interface Payload {
  kind: 'jpg' | 'mp4' | 'mp3' | 'pdf';
  bytes: Buffer;
  contentType: string;
  sha256: string;
  /** The query string of the upload ('' or `optimize=off`); tus sends it as Upload-Metadata instead. */
  query: string;
  /** The multipart envelope around `bytes`, so a request writes head, file, tail without copying the file. */
  head: Buffer;
  tail: Buffer;
}

export function payload(kind: Payload['kind'], bytes: Buffer, contentType: string, query = ''): Payload {
  const head = Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="upload.${kind}"\r\nContent-Type: ${contentType}\r\n\r\n`,
  );
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { kind, bytes, contentType, sha256, query, head, tail: Buffer.from(`\r\n--${BOUNDARY}--\r\n`) };
}

/**
 * The photo is a real 12 MP JPEG made with sharp, under the 5 MB image limit, as phone photos are; it goes through
 * the image pipeline (it may be stored re-encoded). The PDF is a header, one random binary stream and the trailer.
 */
export async function makePayloads(): Promise<Payload[]> {
  const { default: sharp } = await import('sharp');
  const base = await sharp({ create: { width: 806, height: 605, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 50 } } })
    .png()
    .toBuffer();
  const jpg = await sharp(base).resize(4032, 3024, { kernel: 'cubic' }).jpeg({ quality: 88 }).toBuffer();
  if (jpg.length >= 5 * MB) throw new Error(`the generated photo is ${jpg.length} bytes, over the 5 MB image limit`);

  const pdf = randomBytes(MB);
  Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Length 999900 >> stream\n', 'latin1').copy(pdf, 0);
  const trailer = Buffer.from('\nendstream endobj\n%%EOF\n', 'latin1');
  trailer.copy(pdf, pdf.length - trailer.length);
  return [
    payload('jpg', jpg, 'image/jpeg'),
    payload('mp4', readFileSync(videoOf(5 * MB)), 'video/mp4', AS_SENT),
    payload('mp3', readFileSync(audioOf(2 * MB)), 'audio/mpeg', AS_SENT),
    payload('pdf', pdf, 'application/pdf'),
  ];
}

/** The resumable uploads' file: a real MP4 of about TUS_FILE_BYTES, kept as sent (Upload-Metadata optimize=off). */
export const tusPayload = (): Payload => payload('mp4', readFileSync(videoOf(TUS_FILE_BYTES)), 'video/mp4', AS_SENT);

const ffmpeg = (args: string[]) => execFileSync('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: 'inherit' });
/** No tags at all: no encoder string, no creation time, no handler names beyond the container's own. */
const NO_METADATA = ['-map_metadata', '-1', '-fflags', '+bitexact', '-flags:v', '+bitexact', '-flags:a', '+bitexact'];
const VIDEO_KBPS = 3_700;
const AUDIO_KBPS = 128;

/**
 * An MP4 of about `bytes`: 640×360 30 fps test pattern with grain (so the encoder spends its bit rate), H.264
 * Constrained Baseline at a constant rate plus AAC, index first (+faststart), no metadata.
 */
function videoOf(bytes: number): string {
  const seconds = Math.round((bytes * 8) / ((VIDEO_KBPS + AUDIO_KBPS) * 1000));
  return cached(`video-${bytes}.mp4`, (out) =>
    ffmpeg([
      '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=30:duration=${seconds},noise=alls=30:allf=t`,
      '-f', 'lavfi', '-i', `sine=frequency=330:sample_rate=44100:duration=${seconds}`,
      '-c:v', 'libx264', '-profile:v', 'baseline', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
      '-b:v', `${VIDEO_KBPS}k`, '-minrate', `${VIDEO_KBPS}k`, '-maxrate', `${VIDEO_KBPS}k`, '-bufsize', `${VIDEO_KBPS}k`, '-x264-params', 'nal-hrd=cbr',
      '-c:a', 'aac', '-b:a', `${AUDIO_KBPS}k`, '-ac', '2', ...NO_METADATA, '-movflags', '+faststart', '-f', 'mp4', out,
    ]),
  );
}

/** An MP3 of about `bytes`: MPEG-1 Layer III at a constant 128 kbit/s, 44.1 kHz stereo, no ID3 tags, no Xing/Info frame. */
function audioOf(bytes: number): string {
  const seconds = Math.round((bytes * 8) / (AUDIO_KBPS * 1000));
  return cached(`audio-${bytes}.mp3`, (out) =>
    ffmpeg([
      '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${seconds}`,
      '-c:a', 'libmp3lame', '-b:a', `${AUDIO_KBPS}k`, '-ac', '2', '-write_xing', '0', '-id3v2_version', '0', '-write_id3v1', '0', ...NO_METADATA, '-f', 'mp3', out,
    ]),
  );
}

/** Made once: a later run reads the file back (a half-made one never has the final name). */
function cached(name: string, make: (out: string) => void): string {
  mkdirSync(CACHE, { recursive: true });
  const path = join(CACHE, name);
  if (!existsSync(path)) {
    process.stderr.write(`making ${name}…\n`);
    make(`${path}.part`);
    renameSync(`${path}.part`, path);
  }
  return path;
}
