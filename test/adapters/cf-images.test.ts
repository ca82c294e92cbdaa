import { describe, expect, it } from 'vitest';
import { WorkerImages, type ImagesBindingLike } from '../../src/adapters/cf-images.js';
import { targetBytesFor } from '../../src/core/policy.js';
import type { AppError } from '../../src/core/errors.js';

/**
 * The Workers image processor's decisions and its fit-to-budget search, against a stand-in for the Images
 * binding whose output size follows quality and area the way JPEG roughly does (the local emulation ignores
 * quality, so the quality half of the search is exercised here; test/worker exercises the real binding).
 */
function fakeBinding(source: { width: number; height: number }, bytesPerPixelAt85: number) {
  const calls: Array<{ width: number; quality?: number; format: string }> = [];
  let width = source.width;
  const binding: ImagesBindingLike = {
    async info(stream) {
      const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
      if (bytes[0] === 0xff && bytes[1] === 0xd8 && calls.length > 0) {
        const w = Math.min(source.width, calls.at(-1)!.width);
        return { format: 'image/jpeg', fileSize: bytes.length, width: w, height: Math.round((source.height * w) / source.width) };
      }
      return { format: 'image/png', fileSize: bytes.length, width: source.width, height: source.height };
    },
    input() {
      const transformer = {
        transform(t: { width?: number }) {
          width = Math.min(source.width, t.width ?? source.width);
          return transformer;
        },
        async output(o: { format: string; quality?: number }) {
          calls.push({ width, quality: o.quality, format: o.format });
          const height = Math.round((source.height * width) / source.width);
          const size = Math.round(width * height * bytesPerPixelAt85 * Math.exp(0.035 * ((o.quality ?? 85) - 85)));
          const out = new Uint8Array(size);
          out.set([0xff, 0xd8, 0xff]);
          return { image: () => new Response(out).body! };
        },
      };
      return transformer;
    },
  };
  return { binding, calls };
}

const options = { targetBytes: 600_000, maxDimension: 2048, maxInputBytes: 25_000_000, maxPixels: 50_000_000 };
/** A HEIC photo: always needs work (carriers do not take HEIC); its bytes only reach the stand-in binding. */
const heic = () => ({ bytes: new Uint8Array(50_000), detected: { ext: 'heic', mime: 'image/heic' } });
const auto = { optimize: 'auto' as const, keepMetadata: false };
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: AppError) => ({ status: e.status, code: e.code, message: e.message }),
  );

describe('WorkerImages with the Images binding: fitting to the budget', () => {
  it('lowers the quality first when that is enough, in few encodes, never over the budget', async () => {
    const { binding, calls } = fakeBinding({ width: 1600, height: 1200 }, 0.4); // ~770 KB at q85
    const out = await new WorkerImages({ ...options, binding }).process(heic(), auto);
    expect(out.bytes.length).toBeLessThanOrEqual(600_000);
    expect(out).toMatchObject({ extension: 'jpg', contentType: 'image/jpeg', width: 1600, height: 1200, original: { width: 1600, height: 1200 } });
    expect(calls.every((c) => c.width === 1600)).toBe(true);
    expect(calls.length).toBeLessThanOrEqual(3);
    expect(out.transformations).toEqual(['convert:heic->jpeg', `quality:${calls.at(-1)!.quality}`]);
    expect(calls.at(-1)!.quality).toBeGreaterThanOrEqual(55);
  });

  it('makes the picture smaller when even the floor quality would not fit, and caps the long edge', async () => {
    const { binding, calls } = fakeBinding({ width: 4000, height: 3000 }, 0.6);
    const out = await new WorkerImages({ ...options, binding }).process(heic(), auto);
    expect(out.bytes.length).toBeLessThanOrEqual(600_000);
    expect(calls[0]!.width).toBe(2048); // the long edge cap, before any fitting
    expect(out.width!).toBeLessThan(2048);
    expect(out.transformations).toContain(`resize:4000x3000->${out.width}x${out.height}`);
    expect(calls.length).toBeLessThanOrEqual(6);
  });

  it('refuses, rather than store it over the budget, what cannot be fitted', async () => {
    const { binding, calls } = fakeBinding({ width: 800, height: 800 }, 2); // too dense for 10 KB even at 160 px
    const r = await refusal(new WorkerImages({ ...options, targetBytes: 10_000, binding }).process(heic(), auto));
    expect(r).toMatchObject({ status: 422, code: 'image_does_not_fit' });
    expect(r.message).toMatch(/10 KB budget/);
    expect(calls.length).toBeLessThanOrEqual(6);
  });

  it('refuses pixel bombs from the header, before any encode', async () => {
    const { binding, calls } = fakeBinding({ width: 30_000, height: 30_000 }, 0.1);
    expect(await refusal(new WorkerImages({ ...options, binding }).process(heic(), auto))).toMatchObject({ status: 422, code: 'image_too_many_pixels' });
    expect(calls).toEqual([]);
  });

  it('answers 502 when the Images service fails, and 422 when it cannot read the image', async () => {
    const failing: ImagesBindingLike = {
      info: async () => ({ format: 'image/png', width: 100, height: 100 }),
      input: () => ({
        transform() {
          return this;
        },
        output: async () => {
          throw new Error('IMAGES_TRANSFORM_ERROR 9523');
        },
      }),
    };
    expect(await refusal(new WorkerImages({ ...options, binding: failing }).process(heic(), auto))).toMatchObject({
      status: 502,
      code: 'image_service_error',
    });
    const unreadable: ImagesBindingLike = { ...failing, info: async () => Promise.reject(new Error('9412: not an image')) };
    expect(await refusal(new WorkerImages({ ...options, binding: unreadable }).process(heic(), auto))).toMatchObject({
      status: 422,
      code: 'unreadable_image',
    });
  });
});

describe('WorkerImages: what needs work, and what preflight may promise', () => {
  it('takes the budget from the profile unless IMAGE_TARGET_BYTES is set', () => {
    expect([targetBytesFor('safe'), targetBytesFor('standard'), targetBytesFor('max'), targetBytesFor('safe', 250_000)]).toEqual([600_000, 1_000_000, 5_000_000, 250_000]);
  });

  it('promises fixes only with the binding, and only for formats Cloudflare Images reads', () => {
    const without = new WorkerImages(options);
    const withBinding = new WorkerImages({ ...options, binding: fakeBinding({ width: 1, height: 1 }, 1).binding });
    for (const ext of ['heic', 'webp', 'jpg', 'png', 'gif', 'tif', 'bmp', 'avif']) expect(without.accepts({ ext })).toBe(true);
    expect(['heic', 'webp', 'jpg', 'tif', 'avif'].map((ext) => without.canFix({ ext }))).toEqual([false, false, false, false, false]);
    expect(['heic', 'webp', 'jpg', 'tif', 'avif'].map((ext) => withBinding.canFix({ ext }))).toEqual([true, true, true, false, false]);
    expect(without.maxInputBytes).toBe(5_000_000);
    expect(withBinding.maxInputBytes).toBe(25_000_000);
  });
});
