import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaResponseSchema, MediaSchema } from '../../src/http/schemas.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { SAFE, cleanJpeg, heicFixture, near, phoneJpeg, processor, regionColour } from './fixtures.js';
import { QUALITY } from './steps.js';

/**
 * Over a real socket, as a client and then a carrier would see it: upload a phone photo or an iPhone HEIC
 * through POST /v1/media (multipart and raw) and the multipart send, then fetch the hosted URL.
 */
const images = processor();
let t: TestApp;
const inputs: Record<string, { bytes: Buffer; name: string; type: string; upright: [number, number]; red: [number, number]; original: [number, number]; steps: unknown[] }> = {};

beforeAll(async () => {
  t = await startTestApp({}, { images });
  // The red square: top-right once the phone photo is upright, top-left in the HEIC.
  // The photo, 4032×3024 stored with orientation 6, is 3024×4032 upright, then capped at 2048 px on the long edge.
  inputs.jpeg = {
    bytes: await phoneJpeg(),
    name: 'IMG_0001.JPG',
    type: 'image/jpeg',
    upright: [1536, 2048],
    red: [0.97, 0.03],
    original: [3024, 4032],
    steps: ['auto_orient', 'strip_metadata', 'resize:3024x4032->1536x2048', QUALITY],
  };
  // The HEIC is turned upright by its own irot, stored in Display P3, and small enough to keep its size.
  inputs.heic = {
    bytes: await heicFixture(),
    name: 'IMG_0002.HEIC',
    type: 'image/heic',
    upright: [1080, 1440],
    red: [0.04, 0.03],
    original: [1080, 1440],
    steps: ['auto_orient', 'strip_metadata', 'convert_colour:srgb', 'convert:heic->jpeg', QUALITY],
  };
}, 60_000);
afterAll(async () => {
  await t?.close();
  await images.close();
});

function form(fields: Record<string, string>, file: { bytes: Buffer; name: string; type: string }): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  f.append('file', new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.name);
  return f;
}

/** The hosted file, fetched anonymously as a carrier would, checked to be what a carrier should get. */
async function expectCarrierReady(media: ReturnType<typeof MediaSchema.parse>, which: string) {
  const input = inputs[which]!;
  expect(media.content_type).toBe('image/jpeg');
  expect(media.size).toBeLessThanOrEqual(SAFE);
  expect([media.width, media.height]).toEqual(input.upright);
  expect(media.transformations).toEqual(input.steps);
  expect(media.original).toEqual({ filename: input.name, content_type: input.type, size: input.bytes.length, width: input.original[0], height: input.original[1] });
  const res = await fetch(media.url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('image/jpeg');
  const body = Buffer.from(await res.arrayBuffer());
  expect(body.length).toBe(media.size);
  expect(createHash('sha256').update(body).digest('hex')).toBe(media.sha256);
  const m = await sharp(body).metadata();
  expect(m.format).toBe('jpeg');
  expect([m.width, m.height]).toEqual(input.upright);
  expect(m.exif).toBeUndefined();
  expect(body.includes('iPhone')).toBe(false);
  expect(near(await regionColour(body, ...input.red), [230, 20, 20])).toBe(true);
}

describe.each(['jpeg', 'heic'])('a phone %s', (which) => {
  it('POST /v1/media multipart: 201, an upright JPEG within 600 KB without location', async () => {
    const res = await fetch(`${t.baseUrl}/v1/media`, { method: 'POST', body: form({}, inputs[which]!) });
    expect(res.status).toBe(201);
    const { media } = MediaResponseSchema.parse(await res.json());
    await expectCarrierReady(media, which);
  }, 30_000);

  it('POST /v1/media raw body: the same', async () => {
    const input = inputs[which]!;
    const res = await fetch(`${t.baseUrl}/v1/media?filename=${input.name}`, { method: 'POST', headers: { 'content-type': input.type }, body: new Uint8Array(input.bytes) });
    expect(res.status).toBe(201);
    const { media } = MediaResponseSchema.parse(await res.json());
    expect(media.original.size).toBe(input.bytes.length);
    await expectCarrierReady(media, which);
  }, 30_000);

  it('POST /v1/mms/send multipart (dry run): 200 with the hosted media', async () => {
    const res = await fetch(`${t.baseUrl}/v1/mms/send`, { method: 'POST', body: form({ campaign_id: 'c1', phone_number: '+15551234567' }, inputs[which]!) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { success: boolean; media_url: string; media: unknown };
    const media = MediaSchema.parse(body.media);
    expect(body.media_url).toBe(media.url);
    await expectCarrierReady(media, which);
  }, 30_000);
});

it('optimize=off with a HEIC: 415 in the error envelope', async () => {
  const res = await fetch(`${t.baseUrl}/v1/media?optimize=off`, { method: 'POST', headers: { 'content-type': 'image/heic' }, body: new Uint8Array(inputs.heic!.bytes) });
  expect(res.status).toBe(415);
  expect(await res.json()).toEqual({
    success: false,
    code: 'unsupported_media_type',
    error: 'With optimize=off the file is kept exactly as sent, but carriers do not accept HEIC images. Send it with optimize=auto to have it converted, or send a JPEG, PNG or GIF.',
  });
});

it('when the decode queue is full: 503 with Retry-After', async () => {
  const busy = processor({ concurrency: 1, queueLimit: 0 });
  const app = await startTestApp({}, { images: busy });
  let release!: () => void;
  // Hold the only decoding slot, as a long decode would.
  const held = (busy as unknown as { limiter: { run(job: () => Promise<void>): Promise<void> } }).limiter.run(() => new Promise<void>((r) => (release = r)));
  try {
    const res = await fetch(`${app.baseUrl}/v1/media`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(await cleanJpeg()) });
    expect(res.status).toBe(503);
    // One image holds the slot and none has finished to be timed: the first estimate, a second per image ahead.
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toEqual({ success: false, code: 'server_busy', error: 'Too many images are being processed right now; try again in 1 second.' });
  } finally {
    release();
    await held;
    await app.close();
  }
});
