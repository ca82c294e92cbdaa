import { AppError } from './errors.js';
import { base64url, fromBase64url } from './keys.js';
import type { MediaKind } from './policy.js';

export interface Media {
  /** The object's key: `<22 random characters>.<ext>`, as at the end of `url`. */
  id: string;
  url: string;
  expires_at: string | null;
  content_type: string;
  extension: string;
  kind: MediaKind;
  size: number;
  sha256: string;
  width?: number;
  height?: number;
  /** Video and audio: seconds. */
  duration?: number;
  transformations?: string[];
  /** Video and audio also say the original's duration and codecs. */
  original: Original & { size: number; width?: number; height?: number; duration?: number; codecs?: string[] };
}

/** What the caller said about the file, as kept (see originalText). */
export interface Original {
  filename: string | null;
  content_type: string | null;
}

export const ORIGINAL_TEXT_MAX = 100;

/**
 * A caller's filename or declared type as kept in the record: no control characters, no broken UTF-16, at most
 * ORIGINAL_TEXT_MAX characters. Each then takes at most 300 bytes of JSON, so a record stays well under the 2 KB
 * of metadata S3 allows.
 */
export function originalText(text: string | undefined): string | null {
  if (text === undefined) return null;
  return text
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .slice(0, ORIGINAL_TEXT_MAX)
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/**
 * What is known about hosted media beyond what its object already says (key, size, Content-Type). It travels
 * with the object as one metadata value, so the file and its record are written in one request and can never
 * exist without each other, and GET /v1/media/{id} works on any instance.
 */
export type MediaFacts = Pick<Media, 'sha256' | 'width' | 'height' | 'duration' | 'transformations' | 'original'>;

const METADATA_KEY = 'media';

/** JSON in base64url: metadata values must be ASCII, and a caller's filename or content type need not be. */
export function factsToMetadata(facts: MediaFacts): Record<string, string> {
  return { [METADATA_KEY]: base64url(new TextEncoder().encode(JSON.stringify(facts))) };
}

/** The facts kept with an object, or null for an object this service did not write (or wrote differently). */
export function factsFromMetadata(metadata: Record<string, string>): MediaFacts | null {
  const value = metadata[METADATA_KEY];
  if (!value) return null;
  try {
    const { sha256, width, height, duration, transformations, original } = JSON.parse(new TextDecoder().decode(fromBase64url(value))) as MediaFacts;
    if (typeof sha256 !== 'string' || typeof original?.size !== 'number') return null;
    return { sha256, width, height, duration, transformations, original };
  } catch {
    return null;
  }
}

/** The 404 for an id this service never stored, or no longer holds. */
export function mediaNotFound(id: string): AppError {
  return new AppError(404, 'media_not_found', `No media with id "${id}" exists (it may have been deleted).`);
}
