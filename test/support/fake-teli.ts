import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';

/**
 * A stand-in for the send endpoint (POST /v1/mms/send), following its documented contract: X-API-Key
 * required, campaign_id / phone_number / media_url required, media_url must be http(s). Like a carrier, it
 * then downloads media_url anonymously and records what it got.
 */
export interface SendCall {
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  download?: { status: number; contentType: string | null; bytes: Buffer };
}

export interface FakeTeli {
  baseUrl: string;
  apiKey: string;
  calls: SendCall[];
  /** What the next sends do: answer normally, fail with a status, hang longer than any timeout, or redirect once to itself. */
  mode: { kind: 'ok'; delayMs?: number } | { kind: 'status'; status: number; body: string } | { kind: 'hang' } | { kind: 'redirect'; status: number };
  close(): Promise<void>;
}

export async function startFakeTeli(apiKey = 'teli-test-key'): Promise<FakeTeli> {
  const fake: FakeTeli = { baseUrl: '', apiKey, calls: [], mode: { kind: 'ok' }, close: async () => undefined };
  const server: Server = createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/v1/mms/send') return reply(404, { success: false, error: 'Not found' });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return reply(400, { success: false, error: 'Invalid JSON' });
    }
    const call: SendCall = { headers: req.headers, body };
    fake.calls.push(call);
    if (req.headers['x-api-key'] !== apiKey) return reply(401, { success: false, error: 'Invalid API key' });
    for (const field of ['campaign_id', 'phone_number', 'media_url']) {
      if (typeof body[field] !== 'string' || body[field] === '') return reply(400, { success: false, error: `Missing required field: ${field}` });
    }
    const mediaUrl = String(body.media_url);
    if (!/^https?:\/\//.test(mediaUrl)) return reply(400, { success: false, error: 'media_url must be a valid HTTP/HTTPS URL' });

    const mode = fake.mode;
    if (mode.kind === 'hang') return; // never answers; the client's timeout must fire
    if (mode.kind === 'status') {
      res.writeHead(mode.status, { 'content-type': 'text/html' }).end(mode.body);
      return;
    }
    if (mode.kind === 'redirect') {
      fake.mode = { kind: 'ok' }; // once: a client that follows the redirect sends again, and is answered
      res.writeHead(mode.status, { location: '/v1/mms/send', 'content-type': 'text/html' }).end('<html>Moved</html>');
      return;
    }
    if (mode.delayMs) await new Promise((r) => setTimeout(r, mode.delayMs));
    try {
      const download = await fetch(mediaUrl, { redirect: 'manual' }); // anonymous: no headers, no cookies
      call.download = {
        status: download.status,
        contentType: download.headers.get('content-type'),
        bytes: Buffer.from(await download.arrayBuffer()),
      };
    } catch {
      call.download = { status: 0, contentType: null, bytes: Buffer.alloc(0) };
    }
    reply(200, {
      success: true,
      message: 'MMS sent successfully',
      phone_number: body.phone_number,
      campaign_id: body.campaign_id,
      media_url: mediaUrl,
      thread_qualified: true,
      ai_disabled: true,
      human_takeover: true,
      powered_by: 'Teli',
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

/** Asserts what the fake received, call by call: its API key as X-API-Key, a JSON body, and exactly these fields. */
export function expectReceived(fake: FakeTeli, ...bodies: Record<string, unknown>[]): void {
  expect(fake.calls.map((c) => ({ key: c.headers['x-api-key'], type: c.headers['content-type'], body: c.body }))).toEqual(
    bodies.map((body) => ({ key: fake.apiKey, type: 'application/json', body })),
  );
}
