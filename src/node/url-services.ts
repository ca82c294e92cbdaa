import type { Config } from '../config.js';
import type { MediaService } from '../core/media-service.js';
import type { AvProcessor, Clock, ImageProcessor } from '../core/ports.js';
import { Preflight, type PreflightOptions } from '../core/preflight.js';
import { UrlGuard } from '../core/url-guard.js';
import { UrlImporter } from '../core/url-import.js';
import { NodeFetcher, type Resolve } from '../adapters/node-fetcher.js';

/** What tests (and only tests) may swap: the resolver, and preflight's budgets. */
export interface UrlServiceOverrides {
  resolve?: Resolve;
  preflight?: Partial<PreflightOptions>;
}

/** Preflight and URL import for Node: one guard from FETCH_ALLOW_PRIVATE_HOSTS, one fetcher, shared. */
export function buildUrlServices(
  config: Config,
  parts: { media: MediaService; images: ImageProcessor; av?: AvProcessor; clock?: Clock },
  overrides: UrlServiceOverrides = {},
): { preflight: Preflight; importer: UrlImporter } {
  const fetcher = new NodeFetcher({ guard: new UrlGuard(config.FETCH_ALLOW_PRIVATE_HOSTS), resolve: overrides.resolve });
  const { images, media, av } = parts;
  const preflight = new Preflight(
    {
      fetcher,
      clock: parts.clock ?? { now: () => new Date() },
      images: { accepts: (d) => images.accepts(d), maxInputBytes: media.limits.inputBytes('image'), budgetBytes: media.limits.budgetBytes },
      // What hosting fixes in a video or audio URL: only where it is converted (ffmpeg found).
      av: av?.converts ? { accepts: (d) => av.accepts(d), maxInputBytes: media.limits.inputBytes('video') } : undefined,
    },
    { timeoutMs: config.FETCH_TIMEOUT_MS, ...overrides.preflight },
  );
  // A whole file (up to 10 MB, or a large image to fit) may need longer than a carrier's first-byte patience.
  const importer = new UrlImporter({ fetcher, media }, { timeoutMs: config.FETCH_TIMEOUT_MS * 3 });
  return { preflight, importer };
}
