import { serve, type ServerType } from '@hono/node-server';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLogger } from '../../src/adapters/json-logger.js';
import { buildNodeDeps } from '../../src/adapters/node-deps.js';
import { parseConfig } from '../../src/config.js';
import { createApp } from '../../src/http/app.js';
import type { TestApp } from './app.js';

export type Overrides = NonNullable<Parameters<typeof buildNodeDeps>[2]>;

/**
 * startTestApp with the overrides URL tests need: a resolver (so internal.test can resolve to 127.0.0.1),
 * preflight budgets, an image processor. Real adapters otherwise, on a loopback socket.
 */
export async function startUrlTestApp(env: (baseUrl: string) => Record<string, string>, overrides: Overrides = {}): Promise<TestApp> {
  const dir = await mkdtemp(join(tmpdir(), 'mms-media-url-test-'));
  let handler: (req: Request) => Response | Promise<Response> = () => new Response('starting', { status: 503 });
  const server: ServerType = serve({ fetch: (req) => handler(req), port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = parseConfig({ LOCAL_STORAGE_DIR: join(dir, 'media'), PUBLIC_BASE_URL: baseUrl, LOG_LEVEL: 'error', ...env(baseUrl) });
  const deps = buildNodeDeps(config, jsonLogger(config.LOG_LEVEL, () => undefined), overrides);
  const app = createApp(deps);
  handler = app.fetch;
  return {
    app,
    deps,
    baseUrl,
    dir,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** POST JSON to the app (in-process, as the tests of other routes do). */
export async function postJson(app: TestApp, path: string, body: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const res = await app.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}
