import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors.js';
import { SignedUploadUrls, signingSecret } from '../../src/core/upload-signing.js';

const upload = { id: 'q5V0Ck3nYbq2V8D3mXy0cQ', key: 'uploads/direct/q5V0Ck3nYbq2V8D3mXy0cQ.bin', size: 1234, expiresAt: new Date('2026-12-07T00:15:00Z') };
const putOf = (url: string) => {
  const q = new URL(url).searchParams;
  return { id: upload.id, size: Number(q.get('size')), expires: Number(q.get('expires')), signature: q.get('signature')! };
};
const refusal = (p: Promise<unknown>) => p.then(() => null, (err: unknown) => (isAppError(err) ? `${err.status} ${err.code}` : String(err)));
const before = new Date('2026-12-07T00:00:00Z');

describe('signed upload URLs', () => {
  it('takes back only what it signed, until it expires', async () => {
    const urls = new SignedUploadUrls(signingSecret(undefined, false), 'https://media.example.com/');
    const { url } = await urls.target(upload);
    expect(url.startsWith('https://media.example.com/v1/uploads/direct/q5V0Ck3nYbq2V8D3mXy0cQ?size=1234&expires=1796602500&signature=')).toBe(true);
    expect(await refusal(urls.check(putOf(url), before))).toBe(null);
    expect(await refusal(urls.check({ ...putOf(url), size: 1235 }, before))).toBe('403 upload_signature_invalid');
    expect(await refusal(urls.check({ ...putOf(url), id: 'q5V0Ck3nYbq2V8D3mXy0cR' }, before))).toBe('403 upload_signature_invalid');
    expect(await refusal(urls.check(putOf(url), upload.expiresAt))).toBe('410 upload_url_expired');
  });

  it('without UPLOAD_SIGNING_SECRET each process has its own secret; with it, every instance agrees', async () => {
    const one = new SignedUploadUrls(signingSecret(undefined, false), 'https://a');
    const other = new SignedUploadUrls(signingSecret(undefined, false), 'https://a');
    expect(await refusal(other.check(putOf((await one.target(upload)).url), before))).toBe('403 upload_signature_invalid');
    const secret = 'a-shared-secret-of-at-least-32-chars';
    const a = new SignedUploadUrls(signingSecret(secret, true), 'https://a');
    const b = new SignedUploadUrls(signingSecret(secret, true), 'https://a');
    expect(await refusal(b.check(putOf((await a.target(upload)).url), before))).toBe(null);
  });

  it('where instances share uploads and no secret is set, gives out no URL (503) and takes none', async () => {
    expect(signingSecret(undefined, true)).toBe(null);
    const urls = new SignedUploadUrls(null, 'https://a');
    expect(await refusal(urls.target(upload))).toBe('503 direct_uploads_unavailable');
    expect(await refusal(urls.check({ id: upload.id, size: 1, expires: 2e9, signature: 'A'.repeat(43) }, before))).toBe('403 upload_signature_invalid');
  });
});
