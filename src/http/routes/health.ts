import { createRoute } from '@hono/zod-openapi';
import type { App, AppDeps } from '../deps.js';
import { HealthSchema, errors } from '../schemas.js';

export function healthRoutes(app: App, deps: Pick<AppDeps, 'store' | 'logger'>): void {
  const json = { 'application/json': { schema: HealthSchema } };
  app.openAPIRegistry.registerPath(
    createRoute({ method: 'get', path: '/healthz', summary: 'The process is up', responses: { 200: { description: 'Up', content: json } } }),
  );
  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/readyz',
      summary: 'Storage is reachable',
      responses: { 200: { description: 'Ready', content: json }, ...errors(503) },
    }),
  );
  app.get('/readyz', async (c) => {
    try {
      await deps.store.check();
      return c.json({ status: 'ready' });
    } catch (err) {
      deps.logger.warn('storage not reachable', { error: (err as Error).message });
      return c.json({ success: false, error: 'Storage cannot be reached; uploads will fail until it is back.', code: 'storage_unavailable' }, 503);
    }
  });
}
