import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fx from '../support/fixtures.js';
import { NoAvProcessing } from '../../src/adapters/no-av.js';
import { S3UploadTargets } from '../../src/adapters/s3-presign.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { directClient, sha256Hex } from '../support/direct-upload.js';
import { expectError, expectMedia } from '../support/http.js';
import { listBucket, startS3Server, type S3TestServer } from '../support/s3-server.js';

/** Direct uploads with STORAGE_DRIVER=s3: the AWS SDK's presigned PUT, sent by plain fetch to a real S3-protocol server. */
let s3: S3TestServer;
let t: TestApp;
let client: ReturnType<typeof directClient>;
const keys = async () => (await listBucket(s3.dir, s3.bucket)).keys;

/** Conditional writes of a job record whose replies the bucket's connection loses (after the write), while set. */
let losingReplies: { key: string; lost: number } | undefined;
beforeAll(async () => {
  s3 = await startS3Server(undefined, {
    onRequest: (req, ...[res]: unknown[]) => {
      const lose = losingReplies;
      if (!lose || req.method !== 'PUT' || !req.headers['if-none-match'] || !req.url?.includes(lose.key)) return;
      // The emulator handles the request (the record is written, or refused as taken); its reply never arrives.
      (res as { writeHead: () => void }).writeHead = () => {
        lose.lost++;
        req.socket.destroy();
      };
    },
  });
  t = await startTestApp(
    { ...s3.serviceEnv(), MEDIA_URL_TTL_SECONDS: '86400', API_KEYS: 'k_one,k_two' },
    { av: new NoAvProcessing({ budgetBytes: 600_000, where: 'node' }) },
  );
  client = directClient(t.baseUrl, 'k_one');
});
afterAll(async () => {
  await t.close();
  await s3.stop();
});

describe('direct uploads to S3', () => {
  it('presigns a PUT to the bucket for 15 minutes whose signature covers the length; complete hosts the file byte-identical', async () => {
    const bytes = fx.pdf(300_000);
    const before = Date.now();
    const ticket = await client.ticket('Quarterly report.pdf', bytes.length, 'application/pdf');
    const url = new URL(ticket.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${s3.endpoint}/${s3.bucket}/uploads/direct/${ticket.upload_id}.bin`);
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(ticket.headers).toEqual({ 'content-length': String(bytes.length) });
    expect(Date.parse(ticket.expires_at)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 900_000);
    expect(Date.parse(ticket.expires_at)).toBeLessThanOrEqual(Date.now() + 900_000);

    const put = await client.put(ticket, bytes);
    expect(put.status).toBe(200); // S3 itself took it
    expect(await keys()).toContain(`uploads/direct/${ticket.upload_id}.bin`);

    const media = await expectMedia(await client.complete(ticket.upload_id));
    expect(media.id).toBe(`${ticket.upload_id}.pdf`);
    expect(media.size).toBe(bytes.length);
    expect(media.sha256).toBe(sha256Hex(bytes));
    expect(media.original).toEqual({ filename: 'Quarterly report.pdf', content_type: 'application/pdf', size: bytes.length });
    const served = await fetch(media.url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);
    // The staged bytes are gone; the upload's record and the outcome stay, for a repeat.
    expect(await keys()).toEqual(expect.arrayContaining([media.id, `uploads/direct/${ticket.upload_id}.json`, `status/${ticket.upload_id}.json`]));
    expect(await keys()).not.toContain(`uploads/direct/${ticket.upload_id}.bin`);
  });

  it('the bucket itself refuses a body longer or shorter than the size signed, and nothing is staged', async () => {
    const ticket = await client.ticket('clip.pdf', 5000);
    for (const body of [fx.pdf(5000 - fx.pdf().length + 1), fx.pdf(4000 - fx.pdf().length)]) {
      const put = await client.put(ticket, body);
      expect(put.status).toBe(403);
      expect(await put.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    }
    expect(await keys()).not.toContain(`uploads/direct/${ticket.upload_id}.bin`);
    expect(await expectError(await client.complete(ticket.upload_id), 409, 'upload_not_received')).toMatch(/^No file has arrived for this upload yet: PUT it to the URL/);
  });

  it('the bucket refuses the PUT once the URL has expired', async () => {
    const s3client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials });
    const target = await new S3UploadTargets(s3client, s3.bucket).target({ id: 'x', key: 'uploads/direct/expiring.bin', size: 10, expiresAt: new Date(Date.now() + 1000) });
    s3client.destroy();
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const put = await fetch(target.url, { method: 'PUT', body: new Uint8Array(10) });
    expect(put.status).toBe(403);
    expect(await put.text()).toContain('<Message>Request has expired</Message>');
    expect(await keys()).not.toContain('uploads/direct/expiring.bin');
  });

  it('completing twice, or twice at once, answers the same and stores one object', async () => {
    const bytes = fx.pdf(20_000);
    const ticket = await client.ticket('twice.pdf', bytes.length);
    expect((await client.put(ticket, bytes)).status).toBe(200);
    const [a, b] = await Promise.all([client.complete(ticket.upload_id), client.complete(ticket.upload_id)]);
    const first = await expectMedia(a);
    expect(await expectMedia(b)).toEqual(first);
    const stored = await keys();
    const again = await expectMedia(await client.complete(ticket.upload_id));
    expect({ ...again, url: '', expires_at: '' }).toEqual({ ...first, url: '', expires_at: '' });
    expect(await keys()).toEqual(stored);
    expect(stored.filter((k) => k.startsWith(ticket.upload_id))).toEqual([first.id]);
  });

  it('another instance on the same bucket answers 409 while the upload is being completed, and leaves its bytes alone', async () => {
    const second = await startTestApp({ ...s3.serviceEnv(), API_KEYS: 'k_one' });
    try {
      const bytes = fx.pdf(10_000);
      const ticket = await client.ticket('shared.pdf', bytes.length);
      expect((await client.put(ticket, bytes)).status).toBe(200);
      // This instance has begun completing it (its job recorded as processing), and not finished.
      expect(await t.deps.media.jobs.beginOnce(ticket.upload_id)).toBe(true);
      const res = await directClient(second.baseUrl, 'k_one').complete(ticket.upload_id);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await expectError(res, 409, 'upload_completing')).toBe('This upload is being completed by another request; ask again in a few seconds for its outcome.');
      expect(await keys()).toContain(`uploads/direct/${ticket.upload_id}.bin`);
    } finally {
      await second.close();
    }
  });

  it('a refused file (HTML) answers 415, twice, and leaves no staged bytes and no media', async () => {
    const before = await keys();
    const bytes = fx.html();
    const ticket = await client.ticket('page.pdf', bytes.length);
    expect((await client.put(ticket, bytes)).status).toBe(200);
    const sentence = await expectError(await client.complete(ticket.upload_id), 415, 'unsupported_media_type');
    expect(await expectError(await client.complete(ticket.upload_id), 415, 'unsupported_media_type')).toBe(sentence);
    // Only the two small records that let a repeat answer the same.
    expect((await keys()).filter((k) => !before.includes(k))).toEqual([`status/${ticket.upload_id}.json`, `uploads/direct/${ticket.upload_id}.json`]);
  });

  it('refuses at once a size no file may have, and completes only for the API key that started the upload', async () => {
    const before = await keys();
    const max = t.deps.media.limits.maxBodyBytes;
    expect(max).toBe(25_000_000); // IMAGE_MAX_INPUT_BYTES: no ffmpeg here, so images are the largest input
    expect(await expectError(await client.start({ filename: 'huge.mov', size: max + 1 }), 413, 'file_too_large')).toBe('The file is 25,000,001 bytes; nothing larger than 25 MB is accepted.');
    expect(await keys()).toEqual(before);
    const ticket = await client.ticket('mine.pdf', 1000);
    const other = directClient(t.baseUrl, 'k_two');
    expect(await expectError(await other.complete(ticket.upload_id), 404, 'upload_not_found')).toBe(`No upload with id "${ticket.upload_id}" exists for this API key.`);
    await expectError(await directClient(t.baseUrl).complete(ticket.upload_id), 401, 'missing_api_key');
  });

  it('when the job could not be begun for sure (the bucket\'s replies lost), answers 503 and leaves no job behind: the next complete hosts the file', async () => {
    const bytes = fx.pdf(20_000);
    const ticket = await client.ticket('lost.pdf', bytes.length);
    expect((await client.put(ticket, bytes)).status).toBe(200);
    losingReplies = { key: `status/${ticket.upload_id}.json`, lost: 0 };
    try {
      await expectError(await client.complete(ticket.upload_id), 503, 'storage_unavailable');
      expect(losingReplies.lost).toBe(2); // the write, which landed, and the SDK's retry, refused as taken
    } finally {
      losingReplies = undefined;
    }
    expect(await keys()).not.toContain(`status/${ticket.upload_id}.json`);
    const media = await expectMedia(await client.complete(ticket.upload_id));
    expect(media).toMatchObject({ id: `${ticket.upload_id}.pdf`, sha256: sha256Hex(bytes) });
  });
});
