// What the service's replies mean, in words a person reads: sizes, transformations, preflight problems, send replies.

/** Decimal sizes, as the service counts them (5 MB = 5 000 000 bytes). */
export function formatBytes(n) {
  if (n >= 1_000_000) return `${trim(n / 1_000_000)} MB`;
  if (n >= 1_000) return `${trim(n / 1_000)} KB`;
  return `${n} byte${n === 1 ? '' : 's'}`;
}
const trim = (x) => (Math.round(x * 10) / 10).toString();

const FORMATS = { jpeg: 'JPEG', jpg: 'JPEG', png: 'PNG', gif: 'GIF', webp: 'WebP', avif: 'AVIF', heic: 'HEIC', heif: 'HEIF', tiff: 'TIFF', apng: 'animated PNG',
  mov: 'MOV', mp4: 'MP4', m4v: 'M4V', '3gp': '3GP', webm: 'WebM', mkv: 'MKV', avi: 'AVI', m4a: 'M4A', mp3: 'MP3', wav: 'WAV', ogg: 'Ogg', amr: 'AMR', flac: 'FLAC', aac: 'AAC', opus: 'Opus' };
const CODECS = { hevc: 'HEVC', h264: 'H.264', vp8: 'VP8', vp9: 'VP9', av1: 'AV1', mpeg4: 'MPEG-4', aac: 'AAC', mp3: 'MP3', opus: 'Opus', vorbis: 'Vorbis', 'amr-nb': 'AMR', 'amr-wb': 'AMR-WB', pcm: 'PCM', flac: 'FLAC' };
const name = (table, key) => table[key] ?? key.toUpperCase();
const size = (wxh) => wxh.replace('x', '×');

/**
 * Every entry the service writes in a media object's `transformations` (src/adapters/sharp, src/adapters/ffmpeg,
 * src/core/policy), as a phrase. An entry this list does not know is shown as it is rather than hidden.
 */
const STEPS = [
  [/^auto_orient$/, () => 'turned upright'],
  [/^rotate:(\d+)$/, (deg) => `turned upright (rotated ${deg}°)`],
  [/^strip_metadata$/, () => 'location removed, with the other metadata (camera, dates)'],
  [/^keep_metadata:(.+)$/, (kinds) => `metadata kept as asked (${kinds.split(',').join(', ').toUpperCase()}), location included`],
  [/^convert_colour:srgb$/, () => 'colours converted to sRGB'],
  [/^convert:([a-z0-9]+)->([a-z0-9]+)$/, (from, to) => `converted from ${name(FORMATS, from)} to ${name(FORMATS, to)}`],
  [/^rebrand:m4v->mp4$/, () => 'labelled as MP4 (it was M4V)'],
  [/^resize:\d+x\d+->(\d+x\d+)$/, (to) => `resized to ${size(to)}`],
  [/^scale:\d+x\d+->(\d+x\d+)$/, (to) => `resized to ${size(to)}`],
  [/^quality:(\d+)$/, (q) => `saved at JPEG quality ${q}`],
  [/^recompress:([a-z]+)$/, (f) => `${name(FORMATS, f)} compressed harder`],
  [/^reencode:corrupt_data$/, () => 're-encoded to repair damaged data'],
  [/^dither:none$/, () => 'colours kept without dithering'],
  [/^colors:(\d+)$/, (n) => `reduced to ${n} colours`],
  [/^frames:(\d+)->(\d+)$/, (from, to) => (to === '1' ? `animation reduced to its first picture (of ${from})` : `animation reduced from ${from} to ${to} frames`)],
  [/^transcode:([a-z0-9_-]+?)->([a-z0-9_-]+)$/, (from, to) => `re-encoded from ${name(CODECS, from)} to ${name(CODECS, to)}`],
  [/^profile:([a-z0-9-]+)->baseline$/, (from) => `H.264 profile lowered from ${from} to Baseline, which every phone plays`],
  [/^fps:(\d+)->(\d+)$/, (from, to) => `frame rate lowered from ${from} to ${to} per second`],
  [/^bitrate:(\d+)k$/, (k) => `encoded at ${k} kbit/s to fit`],
  [/^channels:\d+->1$/, () => 'mixed down to mono'],
  [/^trim:([\d.]+)s->([\d.]+)s$/, (from, to) => `cut from ${from} s to ${to} s to fit`],
  [/^faststart$/, () => 'index moved to the front, so it starts playing at once'],
  [/^trim_leading_bytes$/, () => 'stray bytes before the PDF removed'],
  [/^trim_junk_after_id3$/, () => 'stray bytes after the MP3 tags removed'],
];

export function transformationInWords(step) {
  for (const [pattern, say] of STEPS) {
    const m = pattern.exec(step);
    if (m) return say(...m.slice(1));
  }
  return step;
}

/** Preflight's problem codes (src/core/preflight*.ts) as a short plain headline; the report's own sentence follows it. */
const PROBLEMS = {
  not_media: 'This link returns a web page (HTML), not a media file.',
  not_http: 'This is not a web address of a file (it must start with https://).',
  unknown_format: 'This is not a kind of file MMS can carry.',
  not_carrier_format: 'Carriers do not accept this format.',
  content_type_alias: 'The server names the file type in a way some gateways do not know.',
  content_type_mismatch: 'The server labels the file as a different type than it is.',
  too_large: 'The file is too large to send.',
  over_image_budget: 'The image is larger than carriers reliably deliver.',
  over_media_budget: 'The file is larger than carriers reliably deliver.',
  no_faststart: 'The video starts playing only once it is fully downloaded.',
  empty_file: 'The file at this link is empty.',
  auth_required: 'The file needs a login, and carriers cannot sign in.',
  http_status: 'The server did not return the file.',
  blocked_address: 'This link leads inside a private network, which carriers cannot reach.',
  timeout: 'The server took too long to answer.',
  too_many_redirects: 'The link redirects too many times.',
  fetch_failed: 'The link could not be opened.',
  url_too_long: 'The link is too long for some gateways.',
  credentials_in_url: 'The link contains a user name or password.',
  expired: 'The link has expired.',
  expires_soon: 'The link stops working within a day.',
  temporary_credentials: 'The link stops working when the session that signed it ends.',
  redirect: 'The link redirects; some gateways do not follow redirects.',
  slow: 'The server is slow to start sending the file.',
  no_content_length: 'The server does not say how large the file is.',
};

export const problemHeadline = (p) => PROBLEMS[p.code] ?? p.message;

/**
 * The send endpoint's reply (or the service's refusal) as a person reads it. The service passes the endpoint's 4xx
 * on as they came, and its own refusals carry `code`: a refusal without one is the endpoint speaking, and is named
 * so ("Invalid API key" there is about the service's key for the endpoint, not the one typed in this page).
 */
export function sendReplyInWords(status, body) {
  if (status >= 200 && status < 300 && body?.success) {
    if (body.dry_run) return { ok: true, title: 'Dry run', detail: `Nothing was sent: the service has no send-endpoint key (TELI_API_KEY). It would have gone to ${body.phone_number}.` };
    return { ok: true, title: 'Sent', detail: [body.message, body.phone_number && `to ${body.phone_number}`].filter(Boolean).join(' ') };
  }
  if (status > 0 && body?.code === undefined) {
    return { ok: false, title: 'Not sent', detail: `The send endpoint refused the message (HTTP ${status}): ${body?.error ?? body?.message ?? 'it gave no reason.'}` };
  }
  return { ok: false, title: 'Not sent', detail: body.error };
}
