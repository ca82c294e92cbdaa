import { serve, type ServerType } from '@hono/node-server';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config.js';
import { jsonLogger } from '../../src/adapters/json-logger.js';
import { withDirectBody } from '../../src/node/body.js';
import { buildNodeDeps } from '../../src/node/deps.js';
import { createApp } from '../../src/http/app.js';
import type { AppDeps } from '../../src/http/deps.js';

export interface TestApp {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  /** Where the service listens on a real socket (local-store URLs point here). */
  baseUrl: string;
  dir: string;
  /** Every log line the service wrote (LOG_LEVEL decides which). */
  logs: string[];
  /** The Node server it listens with. */
  server: ServerType;
  close(): Promise<void>;
}

/**
 * The real app with real adapters (local disk in a temp folder unless env says otherwise), listening on a
 * loopback socket so that hosted URLs can be fetched as a carrier would. `env` is what the process
 * environment would hold (or a function of the listening base URL, for settings that must name it).
 */
export async function startTestApp(
  env: Record<string, string> | ((baseUrl: string) => Record<string, string>) = {},
  overrides: NonNullable<Parameters<typeof buildNodeDeps>[2]> = {},
  /** How often Node looks for requests past their timeouts (its default: every 30 s). */
  node: { connectionsCheckingInterval?: number } = {},
): Promise<TestApp> {
  const dir = await mkdtemp(join(tmpdir(), 'mms-media-test-'));
  let handler: typeof app.fetch = () => new Response('starting', { status: 503 });
  const server: ServerType = serve({ fetch: withDirectBody((req, env) => handler(req, env)), port: 0, hostname: '127.0.0.1', serverOptions: node });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = parseConfig({ LOCAL_STORAGE_DIR: join(dir, 'media'), PUBLIC_BASE_URL: baseUrl, LOG_LEVEL: 'error', ...(typeof env === 'function' ? env(baseUrl) : env) });
  const logs: string[] = [];
  const deps = buildNodeDeps(config, jsonLogger(config.LOG_LEVEL, (line) => logs.push(line)), overrides);
  const app = createApp(deps);
  handler = app.fetch;
  return {
    app,
    deps,
    baseUrl,
    dir,
    logs,
    server,
    close: async () => {
      deps.resumable?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
