import { describe, expect, it } from 'vitest';
import { signedUrlExpiry } from '../../src/core/presigned-expiry.js';

const iso = (url: string) => signedUrlExpiry(new URL(url))?.expiresAt.toISOString();

describe('presigned expiry from the URL', () => {
  it('AWS SigV4: X-Amz-Date + X-Amz-Expires, and temporary credentials', () => {
    const url = 'https://b.s3.amazonaws.com/k.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20240501T120000Z&X-Amz-Expires=3600&X-Amz-Signature=ab';
    expect(signedUrlExpiry(new URL(url))).toEqual({ expiresAt: new Date('2024-05-01T13:00:00Z'), scheme: 'aws-sigv4', temporaryCredentials: false });
    expect(signedUrlExpiry(new URL(`${url}&X-Amz-Security-Token=xyz`))?.temporaryCredentials).toBe(true);
  });

  it('GCS V4: X-Goog-Date + X-Goog-Expires', () => {
    expect(iso('https://storage.googleapis.com/b/k.pdf?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Date=20240501T000000Z&X-Goog-Expires=604800&X-Goog-Signature=1')).toBe(
      '2024-05-08T00:00:00.000Z',
    );
  });

  it('Azure SAS: se= (with sig=), full or short forms', () => {
    expect(iso('https://a.blob.core.windows.net/c/k.png?sv=2022-11-02&se=2024-05-01T12%3A30%3A00Z&sr=b&sp=r&sig=abc')).toBe('2024-05-01T12:30:00.000Z');
    expect(iso('https://a.blob.core.windows.net/c/k.png?se=2024-05-02&sig=abc')).toBe('2024-05-02T00:00:00.000Z');
    expect(signedUrlExpiry(new URL('https://example.com/k.png?se=2024-05-02'))).toBeUndefined();
  });

  it('CloudFront canned (Expires + Key-Pair-Id) and custom policy; SigV2 / GCS V2 Expires', () => {
    expect(signedUrlExpiry(new URL('https://d1.cloudfront.net/k.mp4?Expires=1714564800&Signature=x&Key-Pair-Id=K1'))).toEqual({
      scheme: 'cloudfront',
      expiresAt: new Date(1714564800 * 1000),
      temporaryCredentials: false,
    });
    const policy = btoa(JSON.stringify({ Statement: [{ Resource: 'https://d1.cloudfront.net/*', Condition: { DateLessThan: { 'AWS:EpochTime': 1714564800 } } }] }))
      .replace(/\+/g, '-')
      .replace(/=/g, '_')
      .replace(/\//g, '~');
    expect(iso(`https://d1.cloudfront.net/k.mp4?Policy=${policy}&Signature=x&Key-Pair-Id=K1`)).toBe('2024-05-01T12:00:00.000Z');
    expect(iso('https://b.s3.amazonaws.com/k.jpg?AWSAccessKeyId=A&Expires=1714564800&Signature=s')).toBe('2024-05-01T12:00:00.000Z');
  });

  it('plain URLs have no expiry', () => {
    expect(signedUrlExpiry(new URL('https://example.com/photo.jpg?w=200'))).toBeUndefined();
    expect(signedUrlExpiry(new URL('https://example.com/photo.jpg?expires=soon'))).toBeUndefined();
  });
});
