import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../deps.js';
import { HealthSchema, errors } from '../schemas.js';

const json = { 'application/json': { schema: HealthSchema } };

// Probes carry no key: security is turned off here, against the document's default (X-API-Key).
const liveRoute = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getHealth',
  tags: ['Health'],
  summary: 'The process is up',
  security: [],
  responses: { 200: { description: 'Up', content: json } },
});

const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'getReadiness',
  tags: ['Health'],
  summary: 'Storage is reachable',
  security: [],
  responses: { 200: { description: 'Ready', content: json }, ...errors(503) },
});

export function healthRoutes(deps: Pick<AppDeps, 'store' | 'logger' | 'media'>) {
  return new OpenAPIHono<AppEnv>()
    .openapi(liveRoute, (c) => c.json({ status: 'ok' }, 200))
    .openapi(readyRoute, async (c) => {
      try {
        await deps.store.check();
        return c.json({ status: 'ready', ...(deps.media.convertsMedia ? {} : { media_conversion: 'unavailable' as const }) }, 200);
      } catch (err) {
        deps.logger.warn('storage not reachable', { error: (err as Error).message });
        return c.json({ success: false as const, error: 'Storage cannot be reached; uploads will fail until it is back.', code: 'storage_unavailable' }, 503);
      }
    });
}
