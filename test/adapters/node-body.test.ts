import { serve, type HttpBindings, type ServerType } from '@hono/node-server';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { withDirectBody } from '../../src/node/body.js';
import { bodyDeadline } from '../../src/http/limits.js';

/** Request bodies read straight from the IncomingMessage: over real sockets, with @hono/node-server as in src/node/main.ts. */

let server: ServerType | undefined;
afterEach(async () => {
  const closing = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  (server as http.Server | undefined)?.closeAllConnections(); // idle keep-alive connections would hold close() for 5 s
  await closing;
  server = undefined;
});

async function listen(handler: (req: Request, env: HttpBindings) => Response | Promise<Response>): Promise<number> {
  server = serve({ fetch: withDirectBody((req, env) => handler(req, env as HttpBindings)), port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server!.once('listening', resolve));
  return (server.address() as AddressInfo).port;
}

/**
 * Sends `body` (written in 64 KB pieces) and resolves with the status, the reply text and the client socket it went
 * over (to tell a reused keep-alive connection from a new one); rejects on a reset connection.
 */
function post(
  port: number,
  body: Buffer,
  options: { agent?: http.Agent; path?: string; method?: string } = {},
): Promise<{ status: number; text: string; socket: unknown }> {
  const { agent, path = '/', method = 'POST' } = options;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers: { 'content-length': body.length } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, text, socket: req.socket }));
    });
    req.on('error', reject);
    for (let at = 0; at < body.length; at += 65536) req.write(body.subarray(at, at + 65536));
    req.end();
  });
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('withDirectBody', () => {
  it('hands the app the bytes as sent, in the Buffers Node read (no copy into new arrays)', async () => {
    let allBuffers = true;
    const port = await listen(async (req) => {
      const hash = createHash('sha256');
      for await (const chunk of req.body! as unknown as AsyncIterable<Uint8Array>) {
        allBuffers &&= Buffer.isBuffer(chunk);
        hash.update(chunk);
      }
      return new Response(hash.digest('hex'));
    });
    const body = randomBytes(3_000_000);
    expect(await post(port, body)).toMatchObject({ status: 200, text: sha256(body) });
    expect(allBuffers).toBe(true);
  });

  it('keeps the socket paused while the app is not reading, so a fast client cannot fill memory', async () => {
    let bytesReadWhileWaiting = -1;
    let firstChunk = 0;
    const port = await listen(async (req, env) => {
      const reader = req.body!.getReader();
      firstChunk = (await reader.read()).value!.length;
      await new Promise((r) => setTimeout(r, 300));
      bytesReadWhileWaiting = env.incoming.socket.bytesRead;
      let total = 0;
      for (let r = await reader.read(); !r.done; r = await reader.read()) total += r.value.length;
      return new Response(String(total));
    });
    const body = randomBytes(32_000_000);
    const reply = await post(port, body);
    expect(reply.status).toBe(200);
    expect(Number(reply.text)).toBe(body.length - firstChunk); // the rest, after the first chunk: nothing lost
    expect(bytesReadWhileWaiting).toBeGreaterThan(0);
    expect(bytesReadWhileWaiting).toBeLessThan(2_000_000);
  });

  it('a body the app cancels still gets its reply', async () => {
    const port = await listen(async (req) => {
      const reader = req.body!.getReader();
      await reader.read();
      await reader.cancel();
      return new Response('too large', { status: 413 });
    });
    expect(await post(port, randomBytes(8_000_000))).toMatchObject({ status: 413, text: 'too large' });
  });

  it.each([
    ['never read', false],
    ['partly read behind the body deadline', true],
  ])('a body the reply left %s keeps its keep-alive connection usable', async (_, readSome) => {
    const app = new Hono();
    app.post('/', bodyDeadline(30_000), async (c) => {
      if (readSome) await c.req.raw.body!.getReader().read(); // as a 409 or 415 answered mid-body does
      return c.text('answered early', 409);
    });
    const port = await listen((req, env) => app.fetch(req, env));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const first = await post(port, randomBytes(2_000_000), { agent });
    const second = await post(port, Buffer.alloc(10), { agent });
    agent.destroy();
    expect([first.status, second.status]).toEqual([409, 409]);
    expect(second.socket).toBe(first.socket); // the same connection, drained after the first reply
  });

  it('a client that disconnects mid-body makes the read fail instead of hang', async () => {
    let failure: unknown;
    let gotSome = false;
    const done = new Promise<void>((resolve) => {
      void listen(async (req) => {
        try {
          for await (const chunk of req.body! as unknown as AsyncIterable<Uint8Array>) gotSome ||= chunk.length > 0;
        } catch (err) {
          failure = err;
        }
        resolve();
        return new Response('unreachable');
      }).then((port) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-length': 1_000_000 } });
        req.on('error', () => {});
        req.write(randomBytes(100_000), () => setTimeout(() => req.destroy(), 50));
      });
    });
    await done;
    expect(gotSome).toBe(true);
    expect(failure).toMatchObject({ status: 400, code: 'request_interrupted', cause: { message: 'aborted', code: 'ECONNRESET' } });
  });

  it('leaves GET and TRACE requests to the server', async () => {
    const port = await listen((req) => new Response(`${req.method} ${req.body === null}`));
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(await res.text()).toBe('GET true');
    // A Request cannot be built with method TRACE; the server's own request object carries it to the app.
    expect(await post(port, Buffer.alloc(0), { method: 'TRACE' })).toMatchObject({ status: 200, text: 'TRACE true' });
  });
});
