import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import { boundedJson } from '../bodies.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { PreflightRequestSchema, PreflightResponseSchema, errors } from '../schemas.js';

const checkRoute = createRoute({
  method: 'post',
  path: '/v1/media/preflight',
  operationId: 'preflightMedia',
  tags: ['Media'],
  summary: 'Check a media URL the way a carrier will fetch it: reachability, redirects, type, size, expiry',
  description:
    'Always 200 for a well-formed request: `ok` says whether carriers should deliver the URL as it is, and `problems` says why not and what to do. ' +
    'The URL is fetched anonymously (a Range request for the first bytes), only if it leads to a public address.',
  middleware: boundedJson,
  request: { body: { content: { 'application/json': { schema: PreflightRequestSchema } }, required: true } },
  responses: {
    200: { description: 'The report', content: { 'application/json': { schema: PreflightResponseSchema } } },
    ...errors(400, 401, 408, 413, 415, 429, 503),
  },
});

export function preflightRoutes(deps: Pick<AppDeps, 'preflight'>) {
  return new OpenAPIHono<AppEnv>().openapi(checkRoute, async (c) => {
    const report = await deps.preflight.check(c.req.valid('json').media_url);
    return c.json({ success: true as const, ...report }, 200);
  });
}
