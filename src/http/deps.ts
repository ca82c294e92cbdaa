import type { OpenAPIHono } from '@hono/zod-openapi';
import type { DirectUploads } from '../core/direct-uploads.js';
import type { IdempotencyRecords } from '../core/idempotency.js';
import type { MediaService } from '../core/media-service.js';
import type { Hasher, Logger, MediaStore, ResumableUploads } from '../core/ports.js';
import type { Preflight } from '../core/preflight.js';
import type { SendService } from '../core/send-service.js';
import type { UrlImporter } from '../core/url-import.js';
import type { Metrics } from '../lib/metrics.js';

/**
 * What the HTTP app is built from: each entry (src/node/, src/worker/) makes these once from its validated config
 * and hands them to createApp. Routes take only the parts they use.
 */
export interface AppDeps {
  media: MediaService;
  /** Sends MMS: a URL checked and rehosted if need be, or a file hosted for the request. */
  send: SendService;
  /** Checks a media URL the way a carrier will fetch it (SSRF-guarded). */
  preflight: Preflight;
  /** Imports a file from a URL through the upload pipeline (SSRF-guarded). */
  importer: UrlImporter;
  store: MediaStore;
  /** POST /v1/uploads/direct and its PUT and complete: files sent straight to the bucket (or to a URL this service signed). */
  directUploads: DirectUploads;
  /** Origins whose pages may call /v1 from a browser (CORS_ORIGINS); `*` for any; empty for none. */
  corsOrigins?: string[];
  logger: Logger;
  /** Keys accepted in X-API-Key; empty means no key is needed (allowed only on loopback, checked at start). */
  apiKeys: string[];
  /** Counters behind GET /metrics; the services given above should count into the same instance. */
  metrics?: Metrics;
  /** Where Idempotency-Key records live (memory for one instance, the bucket for many) and how bodies are hashed. */
  idempotency?: { records: IdempotencyRecords; sha256: () => Hasher };
  limits?: Partial<RequestLimits>;
  /** tus at /v1/uploads (Node); without it (Workers) those routes answer 501 and point at direct uploads. */
  resumable?: ResumableUploads;
}

export interface RequestLimits {
  /** The whole request body must arrive within this (408 otherwise). */
  bodyTimeoutMs: number;
  /** Uploads and sends being processed at once (503 beyond). */
  maxConcurrentUploads: number;
  /** Per API key and minute (429 beyond); undefined: no limit. */
  rateLimitPerMinute?: number;
}

/** What a request carries between middleware and routes: its hosted media (for the log line) and its error code. */
export interface AppEnv {
  Variables: {
    media?: { kind: string; size: number };
    errorCode?: string;
  };
}

/**
 * The app, and each group of routes: a group registers its routes on an app of its own and createApp mounts it
 * (app.route), so that the routes' inputs and replies reach AppType.
 */
export type App = OpenAPIHono<AppEnv>;
