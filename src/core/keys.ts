/**
 * Media ids are object keys: `<22 random characters>.<ext>`, the file's name at the end of its URL. The random
 * part carries 128 bits so URLs cannot be guessed; the extension is the real one because some carriers infer the
 * type from it, and because the id alone then says which object to look up. A caller's filename never becomes
 * part of a key.
 */
export const MEDIA_ID = /^[A-Za-z0-9_-]{22}\.[a-z0-9]{3,4}$/;

export function newMediaId(extension: string, random = newRandomPart()): string {
  return `${random}.${extension}`;
}

/**
 * Where uploads wait in the bucket until they are processed, never served as media: the bucket's lifecycle expires
 * what is left there after UPLOAD_EXPIRY_HOURS (npm run setup:bucket).
 */
export const UPLOADS_PREFIX = 'uploads/';
/** Resumable (tus) uploads: each is `<prefix><its id>` (the data, once whole), `.info` and `.part`. */
export const TUS_STAGING_PREFIX = `${UPLOADS_PREFIX}tus/`;
/** Direct uploads: the bytes PUT to the bucket (`<id>.bin`) and the upload's record (`<id>.json`). */
export const DIRECT_STAGING_PREFIX = `${UPLOADS_PREFIX}direct/`;

/**
 * Whose an upload (resumable or direct) is: the SHA-256 of the API key it was made with; the key itself is never
 * stored. Without API_KEYS (undefined here) every request is the same owner.
 */
export async function uploadOwner(apiKey: string | undefined): Promise<string> {
  if (apiKey === undefined) return 'anyone';
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(apiKey));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The 22 random characters of a media id; a background job is known by them before its extension is. */
export function newRandomPart(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(16)));
}

/**
 * A short plain-ASCII name for Content-Disposition: gateways prefer 20 characters or fewer, no spaces, and
 * the true extension. "Bild von mir (1).HEIC" → "Bild-von-mir-1.jpg".
 */
export function safeFilename(original: string | undefined, extension: string): string {
  const base = (original ?? '').replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
  const ascii = base
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 20 - extension.length - 1)
    .replace(/-+$/, '');
  return `${ascii || 'media'}.${extension}`;
}

export function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
