import { AppError, formatBytes, formatBytesBeside } from '../errors.js';
import { formatLabel } from './image-formats.js';
import type { Rework } from './images.js';
import type { SizeLimit } from './limits.js';
import { SUPPORTED_LIST, type MediaKind } from './media-types.js';
import type { Unplayable } from './playable.js';

/**
 * Every refusal of a file: the status, the stable code, and a sentence that says what is wrong and what to do.
 * Both runtimes' adapters throw these, so the same problem reads the same everywhere.
 */

const KIND_NOUNS: Readonly<Record<MediaKind, string>> = { image: 'images', video: 'videos', audio: 'audio files', document: 'documents' };

/** "images before processing", "mp4 files": what a size limit applies to. */
const limitName = (limit: SizeLimit) => (limit.processed ? `${KIND_NOUNS[limit.kind]} before processing` : `${limit.type.extension} files`);

const mp = (pixels: number) => `${Math.round(pixels / 100_000) / 10} megapixels`;

const doesNotFit = (message: string) => new AppError(422, 'image_does_not_fit', message);

/**
 * Image variants that are valid files but that no decoder here reads: what each is, named as its user would know
 * it, and what to send instead. Read from the header bytes (src/core/policy/image-variants.ts).
 */
const SAVE_AS = 'Save it as an ordinary JPEG or as PNG and send it again.';
const heifCoded = (coding: string) => `This image is a HEIF coded with ${coding}, a HEIF variant that is not converted here.`;
export const IMAGE_VARIANTS = {
  'jpeg-12-bit': ['This image is a 12-bit JPEG (12 bits per sample, as some cameras and medical systems write); only 8-bit JPEG, the kind phones show, is converted here.', SAVE_AS],
  'jpeg-lossless': ['This image is a lossless JPEG (SOF3, as some cameras and medical systems write), a JPEG variant that phones do not show and that is not converted here.', SAVE_AS],
  'jpeg-hierarchical': ['This image is a hierarchical JPEG, a JPEG variant that phones do not show and that is not converted here.', SAVE_AS],
  'avif-animated': ['This image is an animated AVIF (an AVIF image sequence); animated AVIF is not converted here.', 'Send it as an animated GIF or WebP, or as an MP4 video.'],
  'heif-sequence': ['This image is an HEVC image sequence (a HEIF burst or animation); image sequences are not converted here.', 'Send one of its pictures as HEIC or JPEG, or the sequence as an MP4 video.'],
  'heif-other-sequence': ['This image is a HEIF image sequence (a burst or animation); image sequences are not converted here.', 'Send one of its pictures as JPEG, or the sequence as an MP4 video.'],
  'heif-uncompressed': ['This image is an uncompressed HEIF (ISO/IEC 23001-17), a HEIF variant that is not converted here.', SAVE_AS],
  'heif-tiled-jpeg': ['This image is a tiled JPEG-coded HEIF, a HEIF variant that is not converted here.', SAVE_AS],
  'heif-jpeg-transform': ['This image is a JPEG-coded HEIF with a crop or another transformation that is not applied here, so it is not converted.', SAVE_AS],
  'heif-avc': [heifCoded('H.264 (AVC)'), SAVE_AS],
  'heif-vvc': [heifCoded('H.266 (VVC)'), SAVE_AS],
  'heif-jpeg2000': [heifCoded('JPEG 2000'), SAVE_AS],
  'heif-mini': ["This image is a HEIF in the compact layout of the mif3 brand (a 'mini' box instead of 'meta'), which is not read here yet.", SAVE_AS],
} as const satisfies Record<string, readonly [string, string]>;
export type ImageVariant = keyof typeof IMAGE_VARIANTS;

/** Why an image cannot pass as it is, as the middle of a sentence. */
function reworkReason(why: Rework, image: { format: string; size: number }, budgetBytes: number): string {
  switch (why) {
    case 'asked':
      return 'optimize=always asks for the image to be re-encoded';
    case 'format':
      return `carriers do not accept ${formatLabel(image.format)} images, so it must be converted to JPEG`;
    case 'animation':
      return 'it is an animated PNG, and animations are sent as GIF, so it must be converted';
    case 'budget':
      return `the image is ${formatBytesBeside(image.size, budgetBytes)}, over the ${formatBytes(budgetBytes)} delivery budget, so it must be made smaller`;
    case 'orientation':
      return 'it is stored sideways or upside down, so it must be turned upright';
    case 'colour':
      return 'its colours are not sRGB, so they must be converted';
    case 'metadata':
      return 'it carries metadata that must be removed';
    case 'damaged':
      return 'its data is damaged, so it must be re-encoded from what can be read';
  }
}

const AGAIN = 'Send the whole file again.';
const EXPORT = 'Export or record it again.';

/** Why a video or audio file cannot be played, in a sentence that says what was found and what to do. */
function unplayableSentence(why: Unplayable): string {
  const f = why.format;
  switch (why.problem) {
    case 'no-index':
      return `This ${f} has no moov box (the index a player needs): it was probably cut short while recording or uploading. ${AGAIN}`;
    case 'index-cut':
      return `This ${f} is cut off inside its moov box (the index a player needs), which needs ${formatBytes(why.missing)} more than the file holds: it was cut short while uploading or copying. ${AGAIN}`;
    case 'index-damaged':
      return `This ${f}'s index (its moov box) is damaged: a ${why.box} box inside it runs past the end of the ${why.parent} box that holds it, so players cannot read it. ${EXPORT}`;
    case 'no-tracks':
      return `This ${f}'s index (its moov box) lists no video or sound track with samples: there is nothing to play. ${EXPORT}`;
    case 'encrypted':
      return `This ${f}'s video and sound are encrypted (DRM-protected, as shop purchases are), so phones cannot play it. Send a copy without DRM.`;
    case 'data-missing':
      return `This ${f}'s index points at video and sound past the end of the file (${formatBytes(why.size)}): it was cut short while uploading or copying. ${AGAIN}`;
    case 'still-image':
      return `This file holds a still image (HEIF image items; brands ${why.brands.join(', ')}), not a video: it has no moov box, the index a player needs, and this HEIF variant is not converted here. Save the picture as JPEG and send it again.`;
    case 'cut-in-first-frame':
      return `This MP3 ends inside its first frame of audio (the frame is ${formatBytes(why.frame)}, the file holds ${formatBytes(why.held)} of it): it was cut short. ${AGAIN}`;
    case 'no-frames':
      return `This MP3 has no MPEG audio frame where its audio should start (at the beginning, or right after its ID3 tag), so there is nothing a player can decode. ${EXPORT}`;
    case 'frames-do-not-follow':
      return `This MP3 is damaged: its second frame of audio is not where its first frame's header says, so players cannot follow its frames. ${EXPORT}`;
    case 'info-frame-only':
      return `This MP3 has no whole frame of sound, only its encoder's info frame (Xing/Info): it was probably cut short. ${AGAIN}`;
    case 'no-data':
      return `This WAV file has no data chunk, so it holds no sound: it was probably cut short. ${AGAIN}`;
    case 'no-format':
      return `This WAV file has no format chunk (fmt) before its samples, so a player cannot tell how to read them. ${EXPORT}`;
    case 'impossible-format':
      return `This WAV file's format chunk (fmt) declares ${why.detail}, which no player can read. ${EXPORT}`;
    case 'empty-data':
      return `This WAV file's data chunk is empty: it holds no samples, so there is no sound to play. ${EXPORT}`;
    case 'cut-before-samples':
      return `This WAV file ends before its first sample: its data chunk is announced but not there, so it was cut short. ${AGAIN}`;
    case 'codec':
      return `This Ogg file holds ${OGG_CODECS[why.codec]}, not Vorbis or Opus audio, which is what phones play from Ogg. Convert it to MP3 or Ogg Vorbis and send it again.`;
    case 'no-audio':
      return `This Ogg file has its ${why.codec === 'opus' ? 'Opus' : 'Vorbis'} headers but no audio after them: it was probably cut short. ${AGAIN}`;
    case 'damaged':
      return `This Ogg file is damaged at byte ${why.at}, before any audio: no Ogg page starts where the one before it ends. ${EXPORT}`;
  }
}

/** What to send instead of a video or audio format the endpoint does not take. */
export type SendInstead = 'video' | 'audio' | 'audio without DRM';
const SEND_INSTEAD: Readonly<Record<SendInstead, string>> = {
  video: 'convert it to MP4 (H.264 video, AAC sound) and send it again.',
  audio: 'convert it to MP3 and send it again.',
  'audio without DRM': 'send a copy without DRM, as MP3.',
};

const OGG_CODECS = { flac: 'FLAC audio', speex: 'Speex audio', theora: 'Theora video', unknown: 'a stream of a codec that is not known here' } as const;

export const refuse = {
  emptyFile: () => new AppError(422, 'empty_file', 'The file is empty: there is nothing to send.'),

  /** Declared larger than anything this deployment reads (the whole upload, or the file in it). */
  bodyTooLarge: (what: 'file' | 'upload', size: number, maxBodyBytes: number) =>
    new AppError(413, 'file_too_large', `The ${what} is ${formatBytesBeside(size, maxBodyBytes)}; nothing larger than ${formatBytes(maxBodyBytes)} is accepted.`),

  /** Over the limit for what the file turned out to be: `size` when it was declared, else it was cut off at the limit. */
  fileTooLarge: (limit: SizeLimit, size?: number) =>
    new AppError(
      413,
      'file_too_large',
      size === undefined
        ? `The file is larger than ${formatBytes(limit.bytes)}, the limit for ${limitName(limit)}.`
        : `The file is ${formatBytesBeside(size, limit.bytes)}; the limit for ${limitName(limit)} is ${formatBytes(limit.bytes)}.`,
    ),

  unsupportedType: (detected: { ext: string; mime: string } | undefined) => {
    if (detected?.mime.startsWith('image/')) {
      return new AppError(
        415,
        'unsupported_media_type',
        `This file is an image in ${detected.ext.toUpperCase()} format (${detected.mime}): carriers do not accept it, and it is not converted here. Save it as JPEG or PNG and send it again.`,
      );
    }
    const what = detected
      ? `This file is ${detected.ext} (${detected.mime}), which the send endpoint does not accept.`
      : 'The type of this file could not be recognised from its contents (text, HTML and SVG are not accepted).';
    return new AppError(415, 'unsupported_media_type', `${what} Supported: ${SUPPORTED_LIST}.`);
  },

  tooManyPixels: (width: number, height: number, frames: number, limit: number) =>
    new AppError(
      422,
      'image_too_many_pixels',
      frames > 1
        ? `The animation is ${width}×${height} with ${frames} frames (${mp(width * height * frames)} in all); animations up to ${mp(limit)} across all frames are accepted. Send a smaller or shorter one.`
        : `The image is ${width}×${height} (${mp(width * height)}); images up to ${mp(limit)} are accepted. Resize it and send it again.`,
    ),

  unreadable: (format: string, cause?: unknown) =>
    new AppError(
      422,
      'unreadable_image',
      `The ${formatLabel(format)} image could not be read: it is corrupt or incomplete (was the upload cut short?). Send the original file again.`,
      { cause },
    ),

  /** A valid image in a variant that is not read here (see IMAGE_VARIANTS), or a HEIF coded in a way not listed there (`heifCoding`: "'xyz1'"). */
  unsupportedVariant: (variant: ImageVariant | { heifCoding: string }) => {
    const [what, instead] = typeof variant === 'string' ? IMAGE_VARIANTS[variant] : [heifCoded(variant.heifCoding), SAVE_AS];
    return new AppError(422, 'unsupported_image_variant', `${what} ${instead}`);
  },

  /** The PNG signature, then something else: a damaged PNG, whatever the rest looks like. */
  damagedPng: () =>
    new AppError(422, 'unreadable_image', 'The file starts with the PNG signature, but what follows is not PNG data: it is a damaged PNG. Send the original image again.'),

  /** optimize=off, and a strict decoder does not read the file without error; `problem` says what, when known. */
  damagedAsIs: (format: string, problem?: string) =>
    new AppError(
      422,
      'unreadable_image',
      `The ${formatLabel(format)} image is damaged${problem ? ` (${problem})` : ''}: phones may show it wrongly or not at all, and with optimize=off it would be sent exactly as it is. Send it with optimize=auto to have it re-encoded from what can be read, or send the original file again.`,
    ),

  noDimensions: (format: string) =>
    new AppError(422, 'unreadable_image', `The ${formatLabel(format)} image has no readable dimensions. Send the original file again.`),

  notCarrierFormat: (format: string) =>
    new AppError(
      415,
      'unsupported_media_type',
      `With optimize=off the file is kept exactly as sent, but carriers do not accept ${formatLabel(format)} images. Send it with optimize=auto to have it converted, or send a JPEG, PNG or GIF.`,
    ),

  tooLargeAsIs: (size: number, limit: number, format: string) =>
    new AppError(
      413,
      'file_too_large',
      `The image is ${formatBytesBeside(size, limit)}; with optimize=off it is sent exactly as it is, and the send endpoint takes ${formatLabel(format)} files up to ${formatBytes(limit)}. Send it with optimize=auto to have it made smaller.`,
    ),

  photoDoesNotFit: (budgetBytes: number) =>
    doesNotFit(`This image is too detailed to fit the ${formatBytes(budgetBytes)} budget even as a small, low-quality JPEG. Send a smaller or simpler image.`),

  /** `tried`: the smallest version made, e.g. "120×90 with 16 colours". */
  transparentDoesNotFit: (tried: string, size: number, budgetBytes: number) =>
    doesNotFit(
      `This image has transparency, so it must stay PNG, and even at ${tried} it is ${formatBytesBeside(size, budgetBytes)}, over the ${formatBytes(budgetBytes)} budget. Send a simpler or smaller image, or one without transparency.`,
    ),

  /** `tried`: the smallest version made, e.g. "320×240 with 16 colours and only every 2nd frame". */
  animationDoesNotFit: (tried: string, size: number, budgetBytes: number) =>
    doesNotFit(`Even at ${tried}, this animation is ${formatBytesBeside(size, budgetBytes)}, over the ${formatBytes(budgetBytes)} budget. Send a shorter or smaller animation.`),

  metadataTooLarge: (size: number, budgetBytes: number) =>
    doesNotFit(`The metadata kept by keep_metadata=true is ${formatBytes(size)} by itself, too much of the ${formatBytes(budgetBytes)} budget. Send it without keep_metadata.`),

  imagesBusy: (seconds: number) =>
    new AppError(503, 'server_busy', `Too many images are being processed right now; try again in ${seconds} second${seconds === 1 ? '' : 's'}.`, {
      headers: { 'Retry-After': String(seconds) },
    }),

  /** Workers without the Images binding: the image needs work and nothing here can do it. */
  noImageProcessing: (why: Rework, image: { format: string; size: number }, budgetBytes: number) =>
    new AppError(
      422,
      'image_processing_unavailable',
      `This image needs work (${reworkReason(why, image, budgetBytes)}), and this Cloudflare Workers deployment has no image processing: bind Cloudflare Images as IMAGES, or send it through a Node deployment of mms-media (it converts and shrinks images with sharp). A JPEG, PNG or GIF under ${formatBytes(budgetBytes)} is stored as it is.`,
    ),

  /** Workers with the Images binding, for a format Cloudflare Images does not read. */
  imagesServiceCannotRead: (why: Rework, image: { format: string; size: number }, budgetBytes: number) => {
    const label = formatLabel(image.format);
    return new AppError(
      422,
      'image_processing_unavailable',
      `This image needs work (${reworkReason(why, image, budgetBytes)}), and Cloudflare Images cannot read ${label}: send it through a Node deployment of mms-media (it converts ${label} with sharp), or send a JPEG, PNG or GIF.`,
    );
  },

  imagesServiceFailed: (cause: unknown) =>
    new AppError(502, 'image_service_error', 'Cloudflare Images could not process this image just now; nothing was stored. Try again.', { cause }),

  /** A video or audio file whose container shows it cannot be played (see checkPlayable). */
  unplayable: (why: Unplayable) => new AppError(422, 'unplayable_media', unplayableSentence(why)),

  /** A known video or audio format the send endpoint does not take, named (`what`) as people know it. */
  notCarrierMedia: (what: string, instead: SendInstead) =>
    new AppError(415, 'unsupported_media_type', `This file is ${what}, which the send endpoint does not accept: ${SEND_INSTEAD[instead]} Supported: ${SUPPORTED_LIST}.`),
};
