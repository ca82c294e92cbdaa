import { createRoute } from '@hono/zod-openapi';
import type { App, AppDeps } from '../deps.js';
import { PreflightRequestSchema, PreflightResponseSchema, errors } from '../schemas.js';
import { readJson, validate } from '../validate.js';

export function preflightRoutes(app: App, deps: Pick<AppDeps, 'preflight'>): void {
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/v1/media/preflight',
      summary: 'Check a media URL the way a carrier will fetch it: reachability, redirects, type, size, expiry',
      description:
        'Always 200 for a well-formed request: `ok` says whether carriers should deliver the URL as it is, and `problems` says why not and what to do. ' +
        'The URL is fetched anonymously (a Range request for the first bytes), only if it leads to a public address.',
      request: { body: { content: { 'application/json': { schema: PreflightRequestSchema } }, required: true } },
      responses: {
        200: { description: 'The report', content: { 'application/json': { schema: PreflightResponseSchema } } },
        ...errors(400, 401),
      },
    }),
  );
  app.post('/v1/media/preflight', async (c) => {
    const { media_url } = validate(PreflightRequestSchema, await readJson(c.req.raw));
    const report = await deps.preflight.check(media_url);
    return c.json({ success: true as const, ...report }, 200);
  });
}
