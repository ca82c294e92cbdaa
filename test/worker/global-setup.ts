import type { TestProject } from 'vitest/node';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';

/** Runs in Node before the Workers tests: an S3 emulator the worker's S3 driver can reach over the network. */
let server: S3TestServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startS3Server('worker-media');
  project.provide('s3', { endpoint: server.endpoint, bucket: server.bucket, ...server.credentials });
}

export async function teardown(): Promise<void> {
  await server?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    s3: { endpoint: string; bucket: string; accessKeyId: string; secretAccessKey: string };
  }
}
