import type { OpenAPIHono } from '@hono/zod-openapi';
import type { DirectUploads } from '../core/direct-uploads.js';
import type { IdempotencyRecords } from '../core/idempotency.js';
import type { MediaService } from '../core/media-service.js';
import type { Hasher, Logger, MediaStore } from '../core/ports.js';
import type { ResumableUploads } from '../core/resumable-uploads.js';
import type { Preflight } from '../core/preflight.js';
import type { SendService } from '../core/send-service.js';
import type { UrlImporter } from '../core/url-import.js';
import type { Metrics } from '../lib/metrics.js';
import type { RendererFile } from './docs-page.js';

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
  /** The public origin when the operator set it (PUBLIC_BASE_URL): /openapi.json names it; else the request's origin. */
  publicBaseUrl?: string;
  /** Counters behind GET /metrics; the services given above should count into the same instance. */
  metrics?: Metrics;
  /** Where Idempotency-Key records live (memory for one instance, the bucket for many) and how bodies are hashed. */
  idempotency?: { records: IdempotencyRecords; sha256: () => Hasher };
  limits?: Partial<RequestLimits>;
  /** tus at /v1/uploads (Node); without it (Workers) those routes answer 501 and point at direct uploads. */
  resumable?: ResumableUploads;
  /** The reference page's renderer files (Node reads them from their npm package); absent, /docs says where the document is. */
  docs?: DocsFiles;
  /** The agent console's files (Node); absent where the service serves the API only (Workers). */
  console?: ConsoleDeps;
}

/** The renderer's files for /docs, each read once and kept, with a gzipped copy for clients that accept it. */
export interface DocsFiles {
  /** The renderer's package version: it changes exactly when the files do (their ETag). */
  version: string;
  read(name: RendererFile): Promise<{ body: Uint8Array<ArrayBuffer>; gzip: Uint8Array<ArrayBuffer> }>;
}

/** The console page's files and where its previews and uploads may reach (its Content-Security-Policy). */
export interface ConsoleDeps {
  /** A file by its flat name (index.html, console.js, tus.min.js, …); undefined when there is none. */
  file(name: string): Uint8Array | undefined;
  /** Origins hosted files are served from besides the page's own (the bucket's, or PUBLIC_BASE_URL's). */
  mediaOrigins: string[];
  /** Origins API URLs point at besides the page's own (PUBLIC_BASE_URL's, where tus upload URLs lead). */
  apiOrigins: string[];
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
