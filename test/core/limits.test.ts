import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLogger } from '../../src/adapters/json-logger.js';
import { LocalStore } from '../../src/adapters/local-store.js';
import { sha256 } from '../../src/adapters/sha256.js';
import { MediaService } from '../../src/core/media-service.js';
import { Limits, mediaTypeForExtension, targetBytesFor } from '../../src/core/policy.js';
import type { ImageProcessor } from '../../src/core/ports.js';
import { cleanJpeg, processor } from '../images/fixtures.js';

/** One Limits value per deployment: what it answers, and the media service refusing by it before any processing. */
describe('Limits', () => {
  const node = new Limits({ profile: 'safe', processedInputBytes: { image: 25_000_000 } });
  const workersWithoutImages = new Limits({ profile: 'standard' });

  it('takes the budget from the profile unless IMAGE_TARGET_BYTES is set', () => {
    expect([targetBytesFor('safe'), targetBytesFor('standard'), targetBytesFor('max'), targetBytesFor('safe', 250_000)]).toEqual([600_000, 1_000_000, 5_000_000, 250_000]);
    expect([node.budgetBytes, workersWithoutImages.budgetBytes, new Limits({ profile: 'max', targetBytes: 250_000 }).budgetBytes]).toEqual([600_000, 1_000_000, 250_000]);
  });

  it('reads images up to IMAGE_MAX_INPUT_BYTES where they are processed, else up to the endpoint’s image limit', () => {
    expect(node.inputBytes('image')).toBe(25_000_000);
    expect(workersWithoutImages.inputBytes('image')).toBe(5_000_000);
    expect(node.forFile({ processed: true, kind: 'image' })).toEqual({ processed: true, kind: 'image', bytes: 25_000_000 });
  });

  it('holds other files to the endpoint’s limit for their type', () => {
    const mp4 = mediaTypeForExtension('mp4')!;
    expect(node.forFile({ processed: false, type: mp4 }).bytes).toBe(10_000_000);
    expect(node.forFile({ processed: false, type: mediaTypeForExtension('pdf')! }).bytes).toBe(5_000_000);
  });

  it('reads no body larger than the largest of those', () => {
    expect(node.maxBodyBytes).toBe(25_000_000);
    expect(workersWithoutImages.maxBodyBytes).toBe(10_000_000); // an mp4
    expect(new Limits({ profile: 'safe', processedInputBytes: { image: 1_000_000 } }).maxBodyBytes).toBe(10_000_000);
  });

  it('takes a new processed kind as one more setting', () => {
    const withVideo = new Limits({ profile: 'safe', processedInputBytes: { image: 25_000_000, video: 200_000_000 } });
    expect(withVideo.inputBytes('video')).toBe(200_000_000);
    expect(withVideo.maxBodyBytes).toBe(200_000_000);
    expect(node.inputBytes('video')).toBe(10_000_000);
  });
});

describe('MediaService with Limits', () => {
  let dir: string;
  const images = processor();
  const processed: string[] = [];
  const counting: ImageProcessor = {
    accepts: (d) => images.accepts(d),
    process: (input, options) => (processed.push(input.detected.ext), images.process(input, options)),
  };
  const service = (limits: Limits) =>
    new MediaService({ store: new LocalStore(dir, 'http://localhost'), images: counting, limits, sha256, logger: jsonLogger('error', () => undefined) });
  const body = (bytes: Uint8Array) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes);
        c.close();
      },
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mms-media-limits-'));
  });
  afterAll(async () => {
    await images.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses an image over IMAGE_MAX_INPUT_BYTES, declared or not, before it is processed, and stores nothing', async () => {
    const jpeg = await cleanJpeg(640, 480);
    const media = service(new Limits({ profile: 'safe', processedInputBytes: { image: jpeg.length - 1 } }));
    await expect(media.host({ body: body(jpeg), declaredSize: jpeg.length })).rejects.toMatchObject({
      status: 413,
      code: 'file_too_large',
      message: expect.stringMatching(/; the limit for images before processing is /),
    });
    await expect(media.host({ body: body(jpeg) })).rejects.toMatchObject({
      status: 413,
      message: expect.stringMatching(/^The file is larger than .*, the limit for images before processing\.$/),
    });
    expect(processed).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a declared body over every limit at once, and hosts what is within them', async () => {
    const jpeg = await cleanJpeg(640, 480);
    const media = service(new Limits({ profile: 'safe', processedInputBytes: { image: 20_000_000 } }));
    await expect(media.host({ body: body(jpeg), declaredSize: 21_000_000 })).rejects.toMatchObject({
      status: 413,
      message: 'The file is 21 MB; nothing larger than 20 MB is accepted.',
    });
    expect(media.limits.maxBodyBytes).toBe(20_000_000);
    expect(await media.host({ body: body(jpeg), declaredSize: jpeg.length })).toMatchObject({ kind: 'image', size: jpeg.length, transformations: [] });
    expect(processed).toEqual(['jpg']);
  });
});
