import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeFetcher, type Resolve } from '../../src/adapters/node-fetcher.js';
import { isAppError } from '../../src/core/errors.js';
import type { OutboundRequest } from '../../src/core/ports.js';
import { readAll } from '../../src/core/streams.js';
import { UrlGuard } from '../../src/core/url-guard.js';
import { file } from '../support/url-fixtures.js';
import { INTERNAL_URLS } from '../support/internal-urls.js';
import { startMediaServer, type MediaServer } from '../support/media-server.js';

const get = (extra: Partial<OutboundRequest> = {}): OutboundRequest => ({ method: 'GET', signal: AbortSignal.timeout(5_000), maxBytes: 1_000_000, ...extra });

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return isAppError(err) ? err.code : `unexpected: ${String(err)}`;
  }
}

describe('NodeFetcher: the SSRF guard at connect time (security)', () => {
  let server: MediaServer;
  beforeAll(async () => {
    server = await startMediaServer({ '/a.jpg': { file: file('jpg') }, '/moved': { redirect: '/a.jpg' }, '/big.jpg': { file: file('jpg', 5_000_000) } });
  });
  afterAll(() => server.close());

  it('refuses every spelling of an internal address, and no request reaches the server', async () => {
    const fetcher = new NodeFetcher({ guard: new UrlGuard() });
    for (const raw of INTERNAL_URLS) {
      const url = new URL(raw);
      url.port = String(server.port);
      expect(await codeOf(fetcher.fetch(url, get())), raw).toBe('blocked_address');
    }
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a name that resolves to an internal address (or to any internal one among public ones)', async () => {
    const names: Record<string, string[]> = { 'internal.test': ['127.0.0.1'], 'mixed.test': ['93.184.216.34', '127.0.0.1'], 'meta.test': ['169.254.169.254'] };
    const resolve: Resolve = async (host) => (names[host] ?? []).map((address) => ({ address, family: 4 }));
    const fetcher = new NodeFetcher({ guard: new UrlGuard(), resolve });
    for (const host of Object.keys(names)) {
      expect(await codeOf(fetcher.fetch(new URL(`http://${host}:${server.port}/a.jpg`), get())), host).toBe('blocked_address');
    }
    const system = new NodeFetcher({ guard: new UrlGuard() }); // the real resolver: localhost is 127.0.0.1 and/or ::1
    expect(await codeOf(system.fetch(new URL(`http://localhost:${server.port}/a.jpg`), get()))).toBe('blocked_address');
    expect(server.requests).toHaveLength(0);
  });

  it('the allowlist lets exactly its host:port through; the name is resolved once and that address is used', async () => {
    let lookups = 0;
    const resolve: Resolve = async (host) => {
      lookups++;
      return host === 'files.test' || host === 'localhost' ? [{ address: '127.0.0.1', family: 4 }] : [];
    };
    const fetcher = new NodeFetcher({ guard: new UrlGuard([`files.test:${server.port}`, server.hostPort]), resolve });
    const viaName = await fetcher.fetch(new URL(`http://files.test:${server.port}/a.jpg`), get());
    expect(viaName.status).toBe(200);
    expect((await readAll(viaName.body!)).length).toBe(20_000);
    expect(lookups).toBe(1);
    expect(server.requests.at(-1)?.headers.host).toBe(`files.test:${server.port}`);

    const viaLiteral = await fetcher.fetch(new URL(`http://127.1:${server.port}/a.jpg`), get({ method: 'HEAD' }));
    expect(viaLiteral.status).toBe(200);
    expect(lookups).toBe(1); // IP literals are never looked up

    const before = server.requests.length;
    expect(await codeOf(fetcher.fetch(new URL(`http://127.0.0.1:${server.port + 1}/a.jpg`), get()))).toBe('blocked_address');
    expect(await codeOf(fetcher.fetch(new URL(`http://localhost:${server.port}/a.jpg`), get()))).toBe('blocked_address');
    expect(server.requests.length).toBe(before);
  });

  it('returns redirects instead of following them, and caps the body', async () => {
    const fetcher = new NodeFetcher({ guard: new UrlGuard([server.hostPort]) });
    const moved = await fetcher.fetch(new URL(server.url('/moved')), get());
    expect(moved.status).toBe(302);
    expect(moved.headers.get('location')).toBe('/a.jpg');

    const big = await fetcher.fetch(new URL(server.url('/big.jpg')), get({ maxBytes: 100_000 }));
    expect(await codeOf(readAll(big.body!))).toBe('file_too_large');
    const served = server.requests.at(-1)!;
    expect(served.completed).toBe(false);
  });

  it('stops at the time budget with url_timeout', async () => {
    const slow = await startMediaServer({ '/hang.jpg': { hang: true } });
    try {
      const fetcher = new NodeFetcher({ guard: new UrlGuard([slow.hostPort]) });
      expect(await codeOf(fetcher.fetch(new URL(slow.url('/hang.jpg')), get({ signal: AbortSignal.timeout(300) })))).toBe('url_timeout');
    } finally {
      await slow.close();
    }
  });

  it('says why a connection failed', async () => {
    const closed = await startMediaServer();
    await closed.close();
    const fetcher = new NodeFetcher({ guard: new UrlGuard([closed.hostPort]) });
    expect(await codeOf(fetcher.fetch(new URL(closed.url('/a.jpg')), get()))).toBe('url_not_fetchable');
  });
});
