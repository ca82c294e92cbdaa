import { buildNodeDeps } from '../../src/node/deps.js';
import type { TestApp } from './app.js';

export type Overrides = NonNullable<Parameters<typeof buildNodeDeps>[2]>;

/**
 * The URL tests' name for startTestApp, whose overrides take what they need: a resolver (so internal.test can
 * resolve to 127.0.0.1), preflight budgets, an image processor. Real adapters otherwise, on a loopback socket.
 */
export { startTestApp as startUrlTestApp } from './app.js';

/** POST JSON to the app (in-process, as the tests of other routes do). */
export async function postJson(app: TestApp, path: string, body: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const res = await app.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}
