/**
 * The media policy: what is deliverable, for every kind and on every runtime. Each decision lives in one file of
 * src/core/policy/, and everything else asks it (the image adapters only decode, encode and report facts):
 *
 * - media-types.ts   the send endpoint's table: carrier types, their kinds and size limits, SUPPORTED_LIST.
 * - limits.ts        Limits, built once per deployment at its entry: the largest body worth reading, the limit for
 *                    each kind or type (images before processing: IMAGE_MAX_INPUT_BYTES), and the delivery
 *                    budget (MEDIA_PROFILE safe 600 KB / standard 1 MB / max 5 MB, or IMAGE_TARGET_BYTES).
 * - image-formats.ts the image formats read and how they are named; which carriers take as they are.
 * - images.ts        the image decisions: what optimize=auto|always|off and keep_metadata mean, the as-is rule
 *                    (when an image passes untouched), when metadata is cut out, what a re-encode produces.
 * - image-variants.ts which variant of its format an image is (12-bit JPEG, animated AVIF, JPEG-coded HEIF…), read
 *                    from its header: refused by name, or sent to the decoder that reads it.
 * - media-files.ts   video, audio and documents, kept as sent: other names for carrier types (M4V is MP4), the
 *                    names of formats the endpoint does not take, the few bytes put right before storing.
 * - playable.ts      whether a video or audio file kept as sent can be played, judged from its container.
 * - refusals.ts      every refusal of a file, with its status, code and sentence (video and audio: av-refusals.ts).
 * - av-formats.ts    the video and audio formats read, and how they are named.
 * - av.ts            the video/audio decisions: options, the as-is rule (keep, remux or re-encode), input bounds.
 * - av-plan.ts       how a re-encode is aimed at the budget: bit rates, the size and frame-rate ladder, the longest
 *                    clip a budget carries (media_too_long).
 * - av-steps.ts      how `transformations` name what was done to a video or audio file.
 *
 * How to fit bytes to the budget in few encodes (the quality search) is src/core/fit-bytes.ts.
 */
export * from './policy/media-types.js';
export * from './policy/limits.js';
export * from './policy/image-formats.js';
export * from './policy/images.js';
export * from './policy/image-variants.js';
export * from './policy/media-files.js';
export { checkPlayable, whyUnplayable, type Unplayable } from './policy/playable.js';
export { refuse } from './policy/refusals.js';
export * from './policy/av-formats.js';
export * from './policy/av.js';
export * from './policy/av-plan.js';
export * from './policy/av-steps.js';
export { refuseAv } from './policy/av-refusals.js';
