import http from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as fx from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { expectError, filesIn } from '../support/http.js';

/** Sends the request head and the first bytes over a raw socket, then trickles; resolves with what the server said. */
function trickle(baseUrl: string, first: Buffer, declared: number): Promise<{ response: string; closedByServer: boolean }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let response = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(`POST /v1/media HTTP/1.1\r\nHost: ${hostname}\r\nContent-Length: ${declared}\r\n\r\n`);
      socket.write(first);
      timer = setInterval(() => socket.writable && socket.write(' '), 200); // a byte every 200 ms
    });
    socket.on('data', (d) => (response += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ response, closedByServer: true });
    });
  });
}

/** A raw HTTP/1.1 reply: its status and its JSON body (the error envelope). */
function parseReply(raw: string): { status: number; body: unknown } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1]), body: JSON.parse(body) };
}

const TRICKLED = { success: false, code: 'body_timeout', error: 'The request body did not arrive within 1 s; send it again on a faster connection.' };

describe('bounded work', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ BODY_TIMEOUT_MS: '1000', MAX_CONCURRENT_UPLOADS: '1', RATE_LIMIT_PER_MINUTE: '1000' });
  });
  afterAll(() => t.close());

  it('answers a trickling client 408 with the envelope, closes its connection, and stores nothing', async () => {
    const before = await filesIn(t.dir);
    const { response, closedByServer } = await trickle(t.baseUrl, fx.pdf(), 1_000_000);
    expect(parseReply(response)).toEqual({ status: 408, body: TRICKLED });
    expect(closedByServer).toBe(true);
    expect(await filesIn(t.dir)).toEqual(before);
  });

  it('refuses uploads beyond MAX_CONCURRENT_UPLOADS with 503 and Retry-After, and takes them again after', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let sentHead = false;
    // An upload that sends its first bytes, then holds its slot until released.
    const held = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (!sentHead) {
          sentHead = true;
          return controller.enqueue(fx.pdf());
        }
        await gate;
        controller.close();
      },
    });
    const first = fetch(`${t.baseUrl}/v1/media`, { method: 'POST', body: held, duplex: 'half' } as RequestInit);
    try {
      await new Promise((r) => setTimeout(r, 300));
      const busy = await t.app.request('/v1/media', { method: 'POST', body: fx.pdf() });
      expect(busy.headers.get('retry-after')).toBe('1');
      expect(await expectError(busy, 503, 'server_busy')).toBe('The service is handling 1 uploads already; try again in a second.');
    } finally {
      release();
    }
    expect((await first).status).toBe(201);
    expect((await t.app.request('/v1/media', { method: 'POST', body: fx.pdf() })).status).toBe(201);
  });
});

describe('JSON bodies', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ BODY_TIMEOUT_MS: '1000' });
  });
  afterAll(() => t.close());

  it('are refused over 64 KB, declared or not, without being held', async () => {
    const big = JSON.stringify({ media_url: `https://example.com/${'a'.repeat(70_000)}` });
    const declared = await t.app.request('/v1/media/preflight', { method: 'POST', body: big, headers: { 'content-type': 'application/json' } });
    expect(await expectError(declared, 413, 'body_too_large')).toBe('A JSON request body may be at most 64 KB.');
    const chunked = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 100; i++) c.enqueue(new TextEncoder().encode(' '.repeat(1000)));
        c.close();
      },
    });
    const res = await t.app.request('/v1/mms/send', { method: 'POST', body: chunked, duplex: 'half', headers: { 'content-type': 'application/json' } } as RequestInit);
    expect(await expectError(res, 413, 'body_too_large')).toBe('A JSON request body may be at most 64 KB.');
  });

  it('that trickle in get 408, not "invalid JSON"', async () => {
    const { hostname, port } = new URL(t.baseUrl);
    const response = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(`POST /v1/media/preflight HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"media_url":`);
      });
      let got = '';
      const drip = setInterval(() => socket.writable && socket.write(' '), 200);
      socket.on('data', (d) => (got += d));
      socket.on('close', () => (clearInterval(drip), resolve(got)));
      socket.on('error', () => undefined);
    });
    expect(parseReply(response)).toEqual({ status: 408, body: TRICKLED });
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After past RATE_LIMIT_PER_MINUTE for one key, and counts keys apart', async () => {
    const t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '2', API_KEYS: 'a,b' });
    try {
      const get = (key: string) => t.app.request('/v1/media/AAAAAAAAAAAAAAAAAAAAAA', { headers: { 'x-api-key': key } });
      expect((await get('a')).status).toBe(404);
      expect((await get('a')).status).toBe(404);
      const limited = await get('a');
      // Seconds to the end of this clock minute: the header and the sentence say the same.
      const retry = limited.headers.get('retry-after')!;
      expect(Number(retry)).toBeGreaterThanOrEqual(1);
      expect(Number(retry)).toBeLessThanOrEqual(60);
      expect(await expectError(limited, 429, 'rate_limited')).toBe(`More than 2 requests this minute for this API key; try again in ${retry} s.`);
      expect((await get('b')).status).toBe(404);
    } finally {
      await t.close();
    }
  });

  it('says "request" for a limit of one', async () => {
    const t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1' });
    try {
      const get = () => t.app.request('/v1/media/AAAAAAAAAAAAAAAAAAAAAA');
      expect((await get()).status).toBe(404);
      expect(await expectError(await get(), 429, 'rate_limited')).toMatch(/^More than 1 request this minute for this API key; try again in \d+ s\.$/);
    } finally {
      await t.close();
    }
  });
});

describe('a client whose connection drops mid-upload', () => {
  it('is answered as its own doing (400 request_interrupted), logged as a request, not as an error; nothing stored', async () => {
    const t = await startTestApp({ LOG_LEVEL: 'info' });
    try {
      const target = new URL(t.baseUrl);
      const req = http.request({ host: target.hostname, port: target.port, method: 'POST', path: '/v1/media?filename=menu.pdf', headers: { 'content-length': 2_000_000 } });
      req.on('error', () => undefined);
      req.write(Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(200_000, 0x20)]), () => setTimeout(() => req.destroy(), 50));
      await vi.waitUntil(() => t.logs.some((line) => JSON.parse(line).msg === 'request'), { timeout: 5_000 });
      const lines = t.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.filter((l) => l.level === 'error')).toEqual([]);
      expect(lines.find((l) => l.msg === 'request')).toMatchObject({ method: 'POST', path: '/v1/media', status: 400, code: 'request_interrupted' });
      expect((await filesIn(`${t.dir}/media`)).filter((f) => !f.startsWith('uploads/'))).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
