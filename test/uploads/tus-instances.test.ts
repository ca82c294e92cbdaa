import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaStatusResponseSchema } from '../../src/http/schemas.js';
import { startTestApp, type TestApp } from '../support/app.js';
import * as fx from '../support/fixtures.js';
import { listBucket, startS3Server, untilStored, type S3TestServer } from '../support/s3-server.js';
import { settledUpload, tusUpload } from '../support/tus.js';

// Two instances of the service share one bucket behind a load balancer that sends each request to the other
// instance in turn, so consecutive PATCHes of one upload land on different instances (locked in the bucket).

interface Balancer {
  url: string;
  /** `<method> <instance>` for every request passed on, in order. */
  routed: string[];
  close(): Promise<void>;
}

/** A round-robin reverse proxy over `targets` (named a, b, …), streaming both ways. */
async function roundRobin(targets: () => string[]): Promise<Balancer> {
  const routed: string[] = [];
  let next = 0;
  const server = http.createServer((req, res) => {
    const index = next++ % targets().length;
    routed.push(`${req.method} ${'ab'[index]}`);
    const target = new URL(targets()[index]!);
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    routed,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Files this instance hosted (POST /v1/media or a finished upload), from its /metrics. */
async function hosted(app: TestApp): Promise<number> {
  const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
  return [...text.matchAll(/^mms_media_uploads_total\{[^}]*outcome="stored"[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

let s3: S3TestServer;
let balancer: Balancer;
let a: TestApp;
let b: TestApp;
/** Every lock the instances wrote to the bucket (`PUT locks/…`), in order. */
const lockWrites: string[] = [];
beforeAll(async () => {
  s3 = await startS3Server('media-instances', {
    onRequest: (req) => {
      if (req.method === 'PUT' && /\/locks\/[^?]*$/.test(new URL(req.url ?? '/', 'http://x').pathname)) lockWrites.push(req.url!);
    },
  });
  balancer = await roundRobin(() => [a.baseUrl, b.baseUrl]);
  const env = {
    ...s3.serviceEnv(),
    // Upload URLs name the balancer, as PUBLIC_BASE_URL does behind a real one.
    PUBLIC_BASE_URL: balancer.url,
  };
  [a, b] = [await startTestApp(env), await startTestApp(env)];
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await balancer?.close();
  await s3?.stop();
});

describe('two instances sharing a bucket, requests alternating between them', () => {
  it('tus-js-client uploads in chunks through both; the file arrives byte-identical, is hosted once, and nothing else is left', async () => {
    const input = fx.pdf(4_500_000);
    const up = await tusUpload(`${balancer.url}/v1/uploads`, input, {
      chunkSize: 1024 * 1024,
      metadata: { filename: 'report.pdf', filetype: 'application/pdf' },
    });
    // POST, then five PATCHes of at most 1 MiB, each sent to the other instance than the one before.
    expect(balancer.routed).toEqual(['POST a', 'PATCH b', 'PATCH a', 'PATCH b', 'PATCH a', 'PATCH b']);
    // One lock in the bucket per PATCH; none for the POST, whose new upload no other request can reach yet.
    expect(lockWrites.filter((url) => url.includes(up.id))).toHaveLength(5);
    expect(up.resumedFrom).toEqual([]);

    const res = await settledUpload(balancer.url, up.id);
    const body = MediaStatusResponseSchema.parse(await res.json());
    if (body.status !== 'ready') throw new Error(`the upload is ${body.status}`);
    const sha256 = createHash('sha256').update(input).digest('hex');
    expect(body.media).toMatchObject({ id: `${up.id}.pdf`, kind: 'document', size: input.length, sha256 });
    const stored = Buffer.from(await (await fetch(body.media.url)).arrayBuffer());
    expect(stored.equals(input)).toBe(true);

    expect((await hosted(a)) + (await hosted(b))).toBe(1);
    // The media and its job record; no staged bytes, no multipart upload, no lock or release request.
    expect(await listBucket(s3.dir, s3.bucket)).toEqual({ keys: [`${up.id}.pdf`, `status/${up.id}.json`].sort(), uploads: [] });
  });

  it("a client that lost its connection mid-PATCH on one instance resumes on the other: the lock's holder is asked, through the bucket, to give way", async () => {
    const input = fx.pdf(3_000_000);
    const created = await fetch(`${a.baseUrl}/v1/uploads`, {
      method: 'POST',
      headers: { 'tus-resumable': '1.0.0', 'upload-length': String(input.length), 'upload-metadata': `filename ${Buffer.from('notes.pdf').toString('base64')}` },
    });
    expect(created.status).toBe(201);
    const id = created.headers.get('location')!.split('/').pop()!;

    // The first PATCH reaches instance a and stops sending after 1 MB, as from a phone whose connection went dead:
    // it holds the upload's lock, and nothing on a's side ends it for BODY_TIMEOUT_MS.
    const target = new URL(a.baseUrl);
    const dead = http.request({
      host: target.hostname,
      port: target.port,
      method: 'PATCH',
      path: `/v1/uploads/${id}`,
      headers: { 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream', 'content-length': String(input.length) },
    });
    const deadEnded = new Promise<string>((resolve) => {
      dead.on('response', (res) => resolve(`answered ${res.statusCode}, offset ${res.headers['upload-offset']}`));
      dead.on('error', () => resolve('connection closed'));
    });
    dead.write(input.subarray(0, 1_000_000));
    await untilStored(s3, `locks/uploads/tus/${id}`);

    // The client reconnects through the other instance: its HEAD waits for the lock, asks a to release it, and
    // answers once a has ended the dead request; the client resumes from the offset it is told.
    const head = await fetch(`${b.baseUrl}/v1/uploads/${id}`, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' } });
    expect(head.status).toBe(200);
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeLessThanOrEqual(1_000_000);
    // a kept what it had received and said so to the dead request (tus drains a request told to give way).
    expect(await deadEnded).toBe(`answered 204, offset ${offset}`);
    expect(a.logs.filter((line) => JSON.parse(line).level === 'error')).toEqual([]);
    const rest = await fetch(`${b.baseUrl}/v1/uploads/${id}`, {
      method: 'PATCH',
      headers: { 'tus-resumable': '1.0.0', 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
      body: input.subarray(offset),
    });
    expect(rest.status).toBe(204);
    dead.destroy();

    const body = MediaStatusResponseSchema.parse(await (await settledUpload(balancer.url, id)).json());
    if (body.status !== 'ready') throw new Error(`the upload is ${body.status}`);
    expect(Buffer.from(await (await fetch(body.media.url)).arrayBuffer()).equals(input)).toBe(true);
    expect((await listBucket(s3.dir, s3.bucket)).keys.filter((k) => k.includes(id) || k.startsWith('locks/') || k.startsWith('uploads/'))).toEqual(
      [`${id}.pdf`, `status/${id}.json`].sort(),
    );
  });

  it('an upload cancelled on one instance reads as gone on the other, which had read it before', async () => {
    const head = (app: TestApp, id: string) => fetch(`${app.baseUrl}/v1/uploads/${id}`, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' } });
    const created = await fetch(`${a.baseUrl}/v1/uploads`, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '12000000' } });
    const id = created.headers.get('location')!.split('/').pop()!;
    // a reads it twice: by a tus request, and by a look at what it became (not finished yet: 409).
    expect((await head(a, id)).headers.get('upload-offset')).toBe('0');
    expect((await fetch(`${a.baseUrl}/v1/uploads/${id}/media`)).status).toBe(409);
    expect((await fetch(`${b.baseUrl}/v1/uploads/${id}`, { method: 'DELETE', headers: { 'tus-resumable': '1.0.0' } })).status).toBe(204);
    // a must not answer from what it read before: the upload is gone, not finished (offset = length) or waiting.
    expect((await head(a, id)).status).toBe(404);
  });
});
