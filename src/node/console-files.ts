import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import type { ConsoleDeps } from '../http/deps.js';

/**
 * The console's files, read once from disk: the page in web/ (found from this module, two levels below the
 * repository in src/node/ and in dist/node/ alike, so a fresh clone serves it without a copy step) and the two
 * browser libraries it uses, straight from their packages (tus-js-client's and libphonenumber-js's browser builds).
 */
const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));
const require = createRequire(import.meta.url);
const LIBRARIES: Record<string, () => string> = {
  'tus.min.js': () => require.resolve('tus-js-client/dist/tus.min.js'),
  // Not among the package's exports: found beside its package.json.
  'libphonenumber-min.js': () => join(dirname(require.resolve('libphonenumber-js/package.json')), 'bundle', 'libphonenumber-min.js'),
};

let loaded: Map<string, Uint8Array> | undefined;

function loadFiles(): Map<string, Uint8Array> {
  if (loaded) return loaded;
  const files = new Map<string, Uint8Array>();
  for (const name of readdirSync(WEB_DIR)) files.set(name, readFileSync(join(WEB_DIR, name)));
  for (const [name, path] of Object.entries(LIBRARIES)) files.set(name, readFileSync(path()));
  return (loaded = files);
}

export function consoleFiles(config: Config): ConsoleDeps {
  const files = loadFiles();
  return { file: (name) => files.get(name), mediaOrigins: previewOrigins(config), apiOrigins: [new URL(config.PUBLIC_BASE_URL).origin] };
}

/**
 * Where hosted files are served from, for the page's previews: this service (PUBLIC_BASE_URL) with local storage;
 * with S3 the public base URL's origin, else the endpoint's (path style, and the bucket's own host name when it is
 * addressed virtual-host style), else AWS's regional bucket hosts.
 */
export function previewOrigins(config: Config): string[] {
  if (config.STORAGE_DRIVER !== 's3') return [new URL(config.PUBLIC_BASE_URL).origin];
  if (config.S3_PUBLIC_BASE_URL) return [new URL(config.S3_PUBLIC_BASE_URL).origin];
  const bucket = config.S3_BUCKET!;
  if (config.S3_ENDPOINT) {
    const endpoint = new URL(config.S3_ENDPOINT);
    return config.S3_FORCE_PATH_STYLE ? [endpoint.origin] : [endpoint.origin, `${endpoint.protocol}//${bucket}.${endpoint.host}`];
  }
  return [`https://${bucket}.s3.${config.S3_REGION}.amazonaws.com`, `https://s3.${config.S3_REGION}.amazonaws.com`];
}
