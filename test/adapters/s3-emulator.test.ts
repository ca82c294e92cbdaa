import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBucket, startS3Server, type S3TestServer } from '../support/s3-server.js';

// Where the tests' S3 emulator differed from S3 in a way that changed what the service's tests and benches saw,
// it is patched (test/support/s3-server.ts); these check the patches, with retries off so that no error is hidden.
let s3: S3TestServer;
let client: S3Client;
beforeAll(async () => {
  s3 = await startS3Server('emulator-check');
  client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials, maxAttempts: 1 });
});
afterAll(() => s3?.stop());

describe('the S3 emulator', () => {
  it('answers deletes at once in one folder with success, as S3 does, and leaves nothing', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) {
      const keys = [`uploads/tus/${i}`, `uploads/tus/${i}.info`, `uploads/tus/${i}.part`];
      for (const Key of keys) await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body: 'x' }));
      const deleted = await Promise.all(keys.map((Key) => client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key })).then((r) => r.$metadata.httpStatusCode!, (err: { $metadata?: { httpStatusCode?: number } }) => err.$metadata?.httpStatusCode ?? 0)));
      statuses.push(...deleted);
    }
    expect(statuses).toEqual(Array(150).fill(204));
    expect((await listBucket(s3.dir, s3.bucket)).keys).toEqual([]);
  });
});
