import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './deps.js';

/** The operations' default: every /v1 operation sends the key (health probes turn it off on their own routes). */
const API_KEY = 'ApiKey';

/**
 * Serves the OpenAPI 3.1 document at /openapi.json, made from the routes' own schemas. It is written for generated
 * clients and the reference page at /docs: `servers` names an absolute origin (a client generated from a saved copy
 * still knows where to send), and every /v1 operation declares X-API-Key, so clients and "try it" send it.
 */
export function serveApiDocument(app: OpenAPIHono<AppEnv>, options: { publicBaseUrl?: string; version: string }): void {
  app.openAPIRegistry.registerComponent('securitySchemes', API_KEY, {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'One of the keys in the service’s API_KEYS. A service without API_KEYS (loopback only) ignores it.',
  });
  app.doc31('/openapi.json', (c) => ({
    openapi: '3.1.0',
    info: {
      title: 'mms-media',
      version: options.version,
      description: 'Hosts raw files behind carrier-fetchable URLs and sends them as MMS. Errors share one envelope: `success: false`, a sentence in `error`, a stable `code`.',
    },
    // The configured public origin (what is reachable behind a proxy); without one, the origin this request reached.
    servers: [{ url: options.publicBaseUrl ?? new URL(c.req.url).origin }],
    security: [{ [API_KEY]: [] }],
  }));
}
