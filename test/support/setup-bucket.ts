import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/adapters/s3-store.js';

export function clientFor(endpoint: string, credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }): S3Client {
  return createS3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials });
}

/** A port nothing listens on: bind one, then close it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The script's own lines of `text` (the SDK may add a notice about Node versions on stderr), with each probe's
 * random name written `<probe>`.
 */
export function ownLines(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('setup-bucket: '))
    .map((l) => l.replace(/_setup\/probe-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-[0-9a-f]{12}\.txt/g, '<probe>'));
}

/** `npm run setup:bucket` as an operator runs it: a child process with only these variables and arguments. */
export function runSetupBucket(env: Record<string, string>, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/setup-bucket.ts', ...args],
      { env: { PATH: process.env.PATH ?? '', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', ...env }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * A small S3 stand-in on a loopback socket for `npm run setup:bucket`'s tests (the emulator has no lifecycle
 * support), driven by the real SDK. It speaks the calls setupBucket makes: PUT/GET/DELETE of objects (kept in
 * memory; conditional PUTs with If-None-Match: * and If-Match honoured as S3 does, or not, as
 * `conditionalWrites` says) and GET/PUT `?lifecycle` with the XML bodies S3 uses. Like S3 it answers 404 NoSuchLifecycleConfiguration when there is none, requires and checks
 * the integrity header on PUT lifecycle (Content-MD5 or an x-amz-checksum-*), refuses duplicate rule IDs and
 * returns the configuration as stored. It checks that requests are SigV4-signed with the expected key, but
 * not the signature itself.
 */
export interface FakeS3 {
  endpoint: string;
  client: S3Client;
  requests: string[];
  objects: Map<string, Buffer>;
  lifecycleXml: string | null;
  transitionDefault: string | null;
  close(): Promise<void>;
}

/**
 * What the stand-in does with If-None-Match: * and If-Match on PUT: what S3 does (`honoured`), what stores that
 * predate conditional writes do (`ignored`: writes anyway), half of it (`If-None-Match only`), refuse any
 * conditional header with 501 NotImplemented, as some S3-compatible gateways do, or fail every conditional write
 * with 412 (`always refused`, as a store that compares ETags wrongly).
 */
export type ConditionalWriteSupport = 'honoured' | 'ignored' | 'If-None-Match only' | 'not implemented' | 'always refused';

export async function startFakeS3(bucket: string, options: { conditionalWrites?: ConditionalWriteSupport } = {}): Promise<FakeS3> {
  const support = options.conditionalWrites ?? 'honoured';
  const objects = new Map<string, Buffer>();
  const state = { requests: [] as string[], lifecycleXml: null as string | null, transitionDefault: null as string | null };
  const xmlError = (code: string, message: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    url.searchParams.delete('x-id'); // the SDK names the operation in the query string
    state.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const reply = (status: number, text = '', headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/xml', ...headers });
      res.end(text);
    };
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 Credential=S3RVER/')) {
      return reply(403, xmlError('AccessDenied', 'Access Denied'));
    }
    const [, name, ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    if (name !== bucket) return reply(404, xmlError('NoSuchBucket', 'The specified bucket does not exist'));

    if (!key && url.searchParams.has('lifecycle')) {
      if (req.method === 'GET') {
        if (state.lifecycleXml === null) return reply(404, xmlError('NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist'));
        return reply(200, state.lifecycleXml, state.transitionDefault ? { 'x-amz-transition-default-minimum-object-size': state.transitionDefault } : {});
      }
      if (req.method === 'PUT') {
        const integrity = checkIntegrity(req, body);
        if (integrity) return reply(400, xmlError(integrity.code, integrity.message));
        const xml = body.toString('utf8');
        const ids = [...xml.matchAll(/<ID>([^<]*)<\/ID>/g)].map((m) => m[1]);
        if (!/<LifecycleConfiguration[\s>]/.test(xml) || !xml.includes('<Rule>')) return reply(400, xmlError('MalformedXML', 'The XML you provided was not well-formed'));
        if (new Set(ids).size !== ids.length) return reply(400, xmlError('InvalidArgument', 'RuleId must be unique'));
        state.lifecycleXml = xml;
        const td = req.headers['x-amz-transition-default-minimum-object-size'];
        if (typeof td === 'string') state.transitionDefault = td;
        return reply(200, '', state.transitionDefault ? { 'x-amz-transition-default-minimum-object-size': state.transitionDefault } : {});
      }
      return reply(405, xmlError('MethodNotAllowed', 'The specified method is not allowed against this resource.'));
    }
    if (key && url.search === '') {
      if (req.method === 'PUT') {
        const refused = preconditionFailure(req, objects.get(key), support);
        if (refused) return reply(refused.status, xmlError(refused.code, refused.message));
        objects.set(key, body);
        return reply(200, '', { etag: etagOf(body) });
      }
      if (req.method === 'GET') {
        const found = objects.get(key);
        if (!found) return reply(404, xmlError('NoSuchKey', 'The specified key does not exist.'));
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': found.length, etag: etagOf(found) });
        return res.end(found);
      }
      if (req.method === 'DELETE') {
        objects.delete(key);
        return reply(204);
      }
    }
    reply(501, xmlError('NotImplemented', 'A header or query you provided implies functionality that is not implemented'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = clientFor(endpoint);
  return Object.assign(state, {
    endpoint,
    client,
    objects,
    async close() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

const etagOf = (body: Buffer) => `"${createHash('md5').update(body).digest('hex')}"`;

/** As S3 when honoured: If-None-Match: * fails on a key that exists, If-Match on a missing key (404) or another ETag (412). */
function preconditionFailure(
  req: IncomingMessage,
  existing: Buffer | undefined,
  support: ConditionalWriteSupport,
): { status: number; code: string; message: string } | null {
  const ifNoneMatch = req.headers['if-none-match'];
  const ifMatch = req.headers['if-match'];
  if (support === 'ignored' || (ifNoneMatch === undefined && ifMatch === undefined)) return null;
  if (support === 'not implemented') return { status: 501, code: 'NotImplemented', message: 'A header you provided implies functionality that is not implemented' };
  const failed = { status: 412, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold' };
  if (support === 'always refused') return failed;
  if (ifNoneMatch === '*' && existing) return failed;
  if (typeof ifMatch !== 'string' || support === 'If-None-Match only') return null;
  if (!existing) return { status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.' };
  return ifMatch === etagOf(existing) ? null : failed;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** S3 requires Content-MD5 or a flexible checksum on PutBucketLifecycleConfiguration, and checks it. */
function checkIntegrity(req: IncomingMessage, body: Buffer): { code: string; message: string } | null {
  const md5 = req.headers['content-md5'];
  const crc = req.headers['x-amz-checksum-crc32'];
  const other = Object.keys(req.headers).find((h) => h.startsWith('x-amz-checksum-') && h !== 'x-amz-checksum-crc32' && h !== 'x-amz-checksum-algorithm');
  if (typeof md5 === 'string') {
    return md5 === createHash('md5').update(body).digest('base64') ? null : { code: 'BadDigest', message: 'The Content-MD5 you specified did not match what we received.' };
  }
  if (typeof crc === 'string') {
    const expected = Buffer.alloc(4);
    expected.writeUInt32BE(crc32(body));
    return crc === expected.toString('base64') ? null : { code: 'BadDigest', message: 'The CRC32 you specified did not match the calculated checksum.' };
  }
  if (other) return null; // another algorithm: accepted unchecked
  return { code: 'InvalidRequest', message: 'Missing required header for this request: Content-MD5' };
}
