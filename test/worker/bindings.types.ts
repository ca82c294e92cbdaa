/**
 * Compile-time only (tsconfig.worker.json): the runtime's real bindings fit the shapes the adapters declare
 * for them, so src/ compiles without the Workers types and still takes the real thing.
 */
import type { ImagesBindingLike } from '../../src/adapters/cf-images.js';
import type { R2BucketLike } from '../../src/adapters/r2-store.js';
import worker, { type WorkerEnv } from '../../src/worker/main.js';

export const bucket = (b: R2Bucket): R2BucketLike => b;
export const images = (i: ImagesBinding): ImagesBindingLike => i;
export const env = (e: { MEDIA_BUCKET: R2Bucket; IMAGES?: ImagesBinding; API_KEYS: string }): WorkerEnv => e;
export const entry: ExportedHandler<WorkerEnv> = worker;
