import { AppError } from '../core/errors.js';
import { contentLength } from '../core/http-values.js';
import { uploadOwner } from '../core/keys.js';
import type { Media, MediaService } from '../core/media-service.js';
import { refuse } from '../core/policy.js';
import type { ImageOptions } from '../core/ports.js';
import { emptyStream } from '../core/streams.js';
import { MultipartError, getMultipartBoundary, isMultipartFormData, parseMultipart } from '../lib/multipart.js';
import { ImageQuerySchema, imageOptions } from './schemas.js';
import { validate } from './validate.js';

/** Whose the uploads this request makes or asks after are (see uploadOwner): its API key's, when keys are set. */
export function requestOwner(apiKeys: readonly string[], header: (name: string) => string | undefined): Promise<string> {
  return uploadOwner(apiKeys.length ? header('x-api-key') : undefined);
}

/** Room for the multipart envelope (boundaries, part headers, a few text fields) around the file itself. */
const MULTIPART_OVERHEAD = 64 * 1024;
const MAX_FIELD_BYTES = 16 * 1024;

export interface Upload {
  fields: Record<string, string>;
  media?: Media;
}

/**
 * Reads an upload in either form: multipart/form-data with one `file` part (and text fields), or the raw
 * file as the whole body; MediaService.host reads the file and stores it once it is whole and checked.
 * `checkFields` runs on the text fields seen before the file, so a request whose early fields are bad is
 * refused before its file is stored; image options (`optimize`, `keep_metadata`) must come before the file
 * part, or in the query, to apply.
 */
export async function readUpload(
  request: Request,
  media: MediaService,
  options: {
    image: (fields: Record<string, string>) => Partial<ImageOptions>;
    checkFields?: (fields: Record<string, string>) => void;
    /** The random part of the media id, given out before (a background job's id). */
    key?: string;
    /** Called once the file is accepted for processing (see UploadInput.onAccepted). */
    onAccepted?: () => void;
    /** Told how far a conversion has got (see UploadInput.onProgress). */
    onProgress?: (fraction: number) => void;
  },
): Promise<Upload> {
  const declared = contentLength(request.headers);
  const contentType = request.headers.get('content-type');
  const boundary = getMultipartBoundary(contentType);
  const query = Object.fromEntries(new URL(request.url).searchParams);
  const body = request.body ?? emptyStream();

  // A form without its boundary cannot be parsed, and read as a raw file it would store the envelope with the file.
  if (!boundary && isMultipartFormData(contentType)) {
    await body.cancel();
    throw new AppError(400, 'malformed_multipart', 'The Content-Type multipart/form-data names no boundary; let the HTTP client set that header itself, as it adds the boundary.');
  }

  if (!boundary) {
    options.checkFields?.(query);
    const hosted = await media.host({
      body,
      declaredSize: declared,
      filename: query.filename,
      declaredContentType: request.headers.get('content-type') ?? undefined,
      image: options.image(query),
      av: avOptionsIn(query),
      key: options.key,
      onAccepted: options.onAccepted,
      onProgress: options.onProgress,
    });
    return { fields: query, media: hosted };
  }

  if (declared !== undefined && declared > media.limits.maxBodyBytes + MULTIPART_OVERHEAD) {
    await body.cancel();
    throw refuse.bodyTooLarge('upload', declared, media.limits.maxBodyBytes);
  }
  const fields: Record<string, string> = { ...query };
  let hosted: Media | undefined;
  try {
    for await (const part of parseMultipart(body, boundary)) {
      if (part.filename === undefined && part.name !== 'file') {
        fields[part.name] = await part.text(MAX_FIELD_BYTES);
        continue;
      }
      if (part.name !== 'file') throw new AppError(400, 'unexpected_file', `Send the file in a part named "file", not "${part.name}".`);
      if (hosted) throw new AppError(400, 'too_many_files', 'Send exactly one file per request; this one has more than one "file" part.');
      options.checkFields?.(fields);
      hosted = await media.host({
        body: part.body,
        filename: part.filename,
        declaredContentType: part.contentType,
        image: options.image(fields),
        av: avOptionsIn(fields),
        key: options.key,
        onAccepted: options.onAccepted,
        onProgress: options.onProgress,
      });
    }
  } catch (err) {
    if (hosted) await media.discard(hosted.id);
    if (err instanceof MultipartError) throw new AppError(400, 'malformed_multipart', `The multipart body could not be read: ${err.message}`);
    throw err;
  }
  return { fields, media: hosted };
}

/** Video and audio options (`trim`) from the query or the form fields sent before the file. */
export function avOptionsIn(fields: Record<string, string>): { trim?: boolean } {
  const { trim } = validate(ImageQuerySchema, fields);
  return trim === undefined ? {} : { trim };
}

/** Image options from the query or the form fields sent before the file, checked with the query's own schema. */
export function imageOptionsIn(fields: Record<string, string>): Partial<ImageOptions> {
  return imageOptions(validate(ImageQuerySchema, fields));
}
