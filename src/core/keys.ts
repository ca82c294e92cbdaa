/**
 * Object keys and the names people see. A key is `<id>.<ext>`: the id carries 128 random bits so URLs cannot
 * be guessed, and the extension is the real one because some carriers infer the type from it. A caller's
 * filename never becomes part of a key.
 */
export const MEDIA_ID = /^[A-Za-z0-9_-]{22}$/;
export const MEDIA_KEY = /^[A-Za-z0-9_-]{22}\.[a-z0-9]{3,4}$/;

export function newMediaId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return base64url(bytes);
}

export const mediaKey = (id: string, extension: string) => `${id}.${extension}`;
export const recordKey = (id: string) => `records/${id}.json`;

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

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
