import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { RendererFile } from '../http/docs-page.js';
import type { DocsFiles } from '../http/deps.js';

/**
 * The reference page's renderer, read from its npm package (swagger-ui-dist, a runtime dependency) where Node
 * resolves it, so `npm start` serves it from src/ and from dist/ alike with nothing copied at build time. Each file
 * is read and gzipped on its first request and kept: two files, about 2 MB with their gzipped copies.
 */
export function swaggerUiFiles(): DocsFiles {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  const kept = new Map<RendererFile, ReturnType<DocsFiles['read']>>();
  const load = async (name: RendererFile) => {
    const body = new Uint8Array(await readFile(join(dir, name)));
    return { body, gzip: new Uint8Array(await promisify(gzip)(body)) };
  };
  return {
    version,
    read(name) {
      let file = kept.get(name);
      if (!file) {
        file = load(name);
        kept.set(name, file);
        file.catch(() => kept.delete(name)); // a failed read is tried again on the next request
      }
      return file;
    },
  };
}
