import { AppError } from './errors.js';
import { base64url, fromBase64url } from './keys.js';
import type { PendingDirectUpload, UploadTargets } from './ports.js';

/**
 * The one rule for the secret that signs direct-upload URLs this service takes itself: UPLOAD_SIGNING_SECRET when
 * it is set; otherwise a random one made at start, known only to the instance that made it. That is right for one
 * process (Node with the local driver), and wrong wherever another instance may receive the PUT (several
 * processes sharing a disk, Workers isolates): there `shared` is true, and without the setting the answer is
 * null, so that direct uploads are refused with a sentence naming the setting instead of failing at random.
 */
export function signingSecret(configured: string | undefined, shared: boolean): Uint8Array | null {
  if (configured) return new TextEncoder().encode(configured);
  return shared ? null : crypto.getRandomValues(new Uint8Array(32));
}

/** What the service-taken PUT checks: the upload, its size and expiry as the URL states them, and their signature. */
export interface SignedPut {
  id: string;
  size: number;
  /** Unix seconds. */
  expires: number;
  signature: string;
}

/**
 * Direct uploads taken by this service (stores without presigned URLs here: local disk, an R2 binding): the URL
 * names the upload, its size and its expiry, and carries an HMAC-SHA256 of the three, so only a URL given out,
 * unaltered, is taken, and only until it expires. Web Crypto: the same on Node and Workers.
 */
export class SignedUploadUrls implements UploadTargets {
  private readonly key: Promise<CryptoKey> | null;
  private readonly baseUrl: string;

  /** `secret` from signingSecret; null: no secret every instance shares, so no URL is given out (503). */
  constructor(secret: Uint8Array | null, baseUrl: string) {
    this.key = secret && crypto.subtle.importKey('raw', secret as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  async target(upload: PendingDirectUpload): Promise<{ url: string; headers: Record<string, string> }> {
    if (!this.key) {
      throw new AppError(
        503,
        'direct_uploads_unavailable',
        'Direct uploads here need UPLOAD_SIGNING_SECRET, one secret every instance shares (on Workers: wrangler secret put UPLOAD_SIGNING_SECRET); until it is set, send files to POST /v1/media.',
      );
    }
    const expires = Math.floor(upload.expiresAt.getTime() / 1000);
    const signature = base64url(new Uint8Array(await crypto.subtle.sign('HMAC', await this.key, signed(upload.id, upload.size, expires))));
    const query = new URLSearchParams({ size: String(upload.size), expires: String(expires), signature });
    return { url: `${this.baseUrl}/v1/uploads/direct/${upload.id}?${query}`, headers: { 'content-length': String(upload.size) } };
  }

  /**
   * Throws 403 unless the signature is the one this service made for these values (checked first, so that nothing
   * is learnt from an altered URL), then 410 once the URL has expired.
   */
  async check(put: SignedPut, now: Date): Promise<void> {
    const bytes = /^[A-Za-z0-9_-]{43}$/.test(put.signature) ? fromBase64url(put.signature) : null;
    const valid = this.key !== null && bytes !== null && (await crypto.subtle.verify('HMAC', await this.key, bytes as Uint8Array<ArrayBuffer>, signed(put.id, put.size, put.expires)));
    if (!valid) {
      throw new AppError(403, 'upload_signature_invalid', 'This upload URL is not one this service gave out, or it was changed: PUT to the URL exactly as POST /v1/uploads/direct returned it.');
    }
    if (put.expires * 1000 <= now.getTime()) {
      throw new AppError(410, 'upload_url_expired', `This upload URL expired at ${new Date(put.expires * 1000).toISOString()}; ask for a new one with POST /v1/uploads/direct.`);
    }
  }
}

const signed = (id: string, size: number, expires: number) => new TextEncoder().encode(`mms-media direct upload\n${id}\n${size}\n${expires}`);
