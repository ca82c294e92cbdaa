import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { ERRORS } from '@tus/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../src/adapters/s3-store.js';
import { s3Staging } from '../../src/adapters/tus/index.js';
import { parseConfig } from '../../src/config.js';

// A store that closes idle keep-alive connections after 2 s, and says so (`Keep-Alive: timeout=2`), as a Node
// server does after 5 s. A client that reused such a connection just as the store closed it would fail with
// ECONNRESET ("socket hang up"): our clients must close idle connections first.
let store: http.Server;
let endpoint: string;
/** The store's side of every connection made to it, in order. */
const connections: Socket[] = [];
beforeAll(async () => {
  store = http.createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'application/xml' });
    res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
  });
  store.keepAliveTimeout = 2_000;
  store.on('connection', (socket: Socket) => connections.push(socket));
  await new Promise<void>((resolve) => store.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(store.address() as AddressInfo).port}`;
});
afterAll(async () => {
  store.closeAllConnections();
  await new Promise<void>((resolve) => store.close(() => resolve()));
});

const credentials = { accessKeyId: 'key', secretAccessKey: 'secret' };

describe('idle connections to the store', () => {
  it.each([
    [
      'the media store',
      () =>
        expect(createS3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials }).send(new GetObjectCommand({ Bucket: 'media', Key: 'missing.jpg' }))).rejects.toMatchObject({
          name: 'NoSuchKey',
        }),
    ],
    [
      'the resumable-upload staging',
      () => {
        Object.assign(process.env, { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey });
        const config = parseConfig({ STORAGE_DRIVER: 's3', S3_BUCKET: 'media', S3_ENDPOINT: endpoint, S3_FORCE_PATH_STYLE: 'true' });
        return expect(s3Staging(config, 3_600_000).getUpload('uploads/tus/missing')).rejects.toBe(ERRORS.FILE_NOT_FOUND);
      },
    ],
  ])('%s: closed by the client a second before the store would close them', async (_name, request) => {
    const before = connections.length;
    await request(); // a request that found nothing, answered in full
    const made = connections.slice(before);
    expect(made.map((socket) => socket.destroyed)).toEqual([false]); // kept for the next request
    // The client closes it at 1 s (the store's 2 s, less a second); the store itself would wait until 2 s.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(made.map((socket) => socket.destroyed)).toEqual([true]);
  });
});
