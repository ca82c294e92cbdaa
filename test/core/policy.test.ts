import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import {
  Limits,
  asSourceFormat,
  assertSendableAsIs,
  deliveryFormat,
  metadataSteps,
  recompressStep,
  refuse,
  reworkDamaged,
  reworkNeeded,
  stripsInPlace,
  resolveImageOptions,
  type ImageFacts,
} from '../../src/core/policy.js';

/** The image decisions and the refusal sentences, as pure functions: what both image adapters ask. */
const AUTO = resolveImageOptions();
const BUDGET = 600_000;
const clean: ImageFacts = { format: 'jpg', size: 400_000, orientation: 1, needsColourConversion: false, metadata: [] };

const thrown = (f: () => unknown): AppError => {
  try {
    f();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
};

describe('optimize and keep_metadata', () => {
  it('default to auto and no metadata', () => {
    expect(resolveImageOptions()).toEqual({ optimize: 'auto', keepMetadata: false });
    expect(resolveImageOptions({ keepMetadata: true })).toEqual({ optimize: 'auto', keepMetadata: true });
    expect(resolveImageOptions({ optimize: 'off' })).toEqual({ optimize: 'off', keepMetadata: false });
  });
});

describe('the as-is rule (auto)', () => {
  it('lets a clean carrier-format image within the budget pass', () => {
    for (const format of ['jpg', 'png', 'gif'] as const) expect(reworkNeeded({ ...clean, format }, AUTO, BUDGET)).toBeUndefined();
    expect(reworkNeeded({ ...clean, size: BUDGET }, AUTO, BUDGET)).toBeUndefined();
  });

  it('names the first reason an image needs work', () => {
    expect(reworkNeeded(clean, { optimize: 'always', keepMetadata: false }, BUDGET)).toBe('asked');
    expect(reworkNeeded({ ...clean, format: 'heic' }, AUTO, BUDGET)).toBe('format');
    expect(reworkNeeded({ ...clean, format: 'webp', size: 10 }, AUTO, BUDGET)).toBe('format');
    expect(reworkNeeded({ ...clean, size: BUDGET + 1 }, AUTO, BUDGET)).toBe('budget');
    expect(reworkNeeded({ ...clean, orientation: 6 }, AUTO, BUDGET)).toBe('orientation');
    expect(reworkNeeded({ ...clean, needsColourConversion: true }, AUTO, BUDGET)).toBe('colour');
  });

  it('does not re-encode for metadata alone: every carrier format has it cut out of its container', () => {
    for (const format of ['jpg', 'png', 'gif'] as const) expect(reworkNeeded({ ...clean, format, metadata: ['exif', 'xmp'] }, AUTO, BUDGET)).toBeUndefined();
    expect(reworkNeeded({ ...clean, format: 'webp', metadata: ['exif'] }, AUTO, BUDGET)).toBe('format');
  });

  it('lets metadata pass when it is to be kept', () => {
    expect(reworkNeeded({ ...clean, metadata: ['exif', 'xmp'] }, { optimize: 'auto', keepMetadata: true }, BUDGET)).toBeUndefined();
  });

  it('counts for nothing a fact the runtime cannot read (Workers read only format and size)', () => {
    expect(reworkNeeded({ format: 'png', size: 500_000 }, AUTO, BUDGET)).toBeUndefined();
    expect(reworkNeeded({ format: 'png', size: 700_000 }, AUTO, BUDGET)).toBe('budget');
  });
});

describe('optimize=off', () => {
  it('takes a carrier format up to the endpoint’s limit for it', () => {
    expect(assertSendableAsIs('jpg', 5_000_000)).toBe('jpg');
    expect(assertSendableAsIs('gif', 1)).toBe('gif');
  });

  it('refuses other formats with 415, saying what to do', () => {
    const e = thrown(() => assertSendableAsIs('heic', 1000));
    expect([e.status, e.code]).toEqual([415, 'unsupported_media_type']);
    expect(e.message).toBe(
      'With optimize=off the file is kept exactly as sent, but carriers do not accept HEIC images. Send it with optimize=auto to have it converted, or send a JPEG, PNG or GIF.',
    );
  });

  it('refuses a file over the endpoint’s limit with 413, saying what to do', () => {
    const e = thrown(() => assertSendableAsIs('png', 5_000_001));
    expect([e.status, e.code]).toEqual([413, 'file_too_large']);
    expect(e.message).toMatch(/^The image is 5,000,001 bytes; with optimize=off it is sent exactly as it is, and the send endpoint takes PNG files up to 5 MB\. Send it with optimize=auto/);
  });
});

describe('metadata cut out of bytes passed as they are', () => {
  it('from JPEG, PNG and GIF', () => {
    expect((['jpg', 'png', 'gif', 'webp', 'heic', 'tif'] as const).filter(stripsInPlace)).toEqual(['jpg', 'png', 'gif']);
  });

  it('is reported: strip_metadata when any went, and the kinds kept with keep_metadata', () => {
    expect(metadataSteps({ removed: [], kept: [] })).toEqual([]);
    expect(metadataSteps({ removed: ['exif', 'comments'], kept: [] })).toEqual(['strip_metadata']);
    expect(metadataSteps({ removed: [], kept: ['exif', 'xmp'] })).toEqual(['keep_metadata:exif,xmp']);
    expect(metadataSteps({ removed: ['iptc'], kept: ['exif'] })).toEqual(['strip_metadata', 'keep_metadata:exif']);
  });
});

describe('damaged bytes that would pass as they are', () => {
  it('are re-encoded, or refused with optimize=off, where nothing is', () => {
    expect(reworkDamaged('gif', 'auto')).toBe('damaged');
    expect(reworkDamaged('jpg', 'always')).toBe('damaged');
    const e = thrown(() => reworkDamaged('gif', 'off', 'it uses colour 60, past the end of its 2-colour table'));
    expect([e.status, e.code]).toEqual([422, 'unreadable_image']);
    expect(e.message).toBe(
      'The GIF image is damaged (it uses colour 60, past the end of its 2-colour table): phones may show it wrongly or not at all, and with optimize=off it would be sent exactly as it is. Send it with optimize=auto to have it re-encoded from what can be read, or send the original file again.',
    );
    expect(thrown(() => reworkDamaged('jpg', 'off')).message).toMatch(/^The JPEG image is damaged: phones may/);
  });

  it('a re-encode in the same format says so', () => {
    expect([recompressStep('png'), recompressStep('gif'), recompressStep('jpg')]).toEqual(['recompress:png', 'recompress:gif', 'recompress:jpeg']);
  });
});

describe('what a re-encode produces', () => {
  it('GIF for GIFs and animations, PNG for transparency, JPEG for the rest', () => {
    expect(deliveryFormat({ format: 'gif', transparent: false })).toBe('gif');
    expect(deliveryFormat({ format: 'webp', frames: 6, transparent: true })).toBe('gif');
    expect(deliveryFormat({ format: 'png', transparent: true })).toBe('png');
    expect(deliveryFormat({ format: 'webp', frames: 1, transparent: true })).toBe('png');
    expect(deliveryFormat({ format: 'png', transparent: false })).toBe('jpg');
    expect(deliveryFormat({ format: 'heic', transparent: false })).toBe('jpg');
  });
});

describe('image formats', () => {
  it('reads the names file-type and callers give, and takes no BMP', () => {
    expect(['jpeg', 'JPG', 'tiff', 'heic', 'avif'].map(asSourceFormat)).toEqual(['jpg', 'jpg', 'tif', 'heic', 'avif']);
    expect(['bmp', 'ico', 'svg', 'mp4'].map(asSourceFormat)).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('refusals', () => {
  const images = new Limits({ profile: 'safe', processedInputBytes: { image: 25_000_000 } });
  const pdf = { ext: 'pdf', mime: 'application/pdf' };

  it('say the size, the limit and what it applies to', () => {
    expect(refuse.fileTooLarge(images.forFile({ processed: true, kind: 'image' }), 30_000_000).message).toBe(
      'The file is 30 MB; the limit for images before processing is 25 MB.',
    );
    const mp4 = images.forFile({ processed: false, type: { extension: 'mp4', contentType: 'video/mp4', kind: 'video', maxBytes: 10_000_000 } });
    expect(refuse.fileTooLarge(mp4).message).toBe('The file is larger than 10 MB, the limit for mp4 files.');
    expect(refuse.bodyTooLarge('upload', 50_000_000, images.maxBodyBytes).message).toBe('The upload is 50 MB; nothing larger than 25 MB is accepted.');
    // One byte over does not read as the limit itself.
    expect(refuse.bodyTooLarge('upload', 25_000_001, 25_000_000).message).toBe('The upload is 25,000,001 bytes; nothing larger than 25 MB is accepted.');
  });

  it('refuse an image format that is not read (BMP) with 415, saying to save it as JPEG or PNG', () => {
    const e = refuse.unsupportedType({ ext: 'bmp', mime: 'image/bmp' });
    expect([e.status, e.code]).toEqual([415, 'unsupported_media_type']);
    expect(e.message).toBe('This file is an image in BMP format (image/bmp): carriers do not accept it, and it is not converted here. Save it as JPEG or PNG and send it again.');
    expect(refuse.unsupportedType({ ext: 'zip', mime: 'application/zip' }).message).toMatch(/^This file is zip \(application\/zip\), which the send endpoint does not accept\. Supported: jpg, png, gif \(5 MB\); mp4, 3gp \(10 MB\)/);
    expect(refuse.unsupportedType(undefined).message).toMatch(/could not be recognised/);
  });

  it('say why an image needs work when nothing here can do it', () => {
    const image = { format: 'jpg', size: 700_000 };
    expect(refuse.noImageProcessing('budget', image, BUDGET).message).toMatch(/^This image needs work \(the image is 700 KB, over the 600 KB delivery budget, so it must be made smaller\), and this Cloudflare Workers deployment/);
    expect(refuse.noImageProcessing('format', { format: 'heic', size: 1 }, BUDGET).message).toMatch(/carriers do not accept HEIC images, so it must be converted to JPEG/);
    expect(refuse.imagesServiceCannotRead('format', { format: 'tif', size: 1 }, BUDGET).message).toMatch(/Cloudflare Images cannot read TIFF: send it through a Node deployment/);
    for (const why of ['asked', 'orientation', 'colour', 'metadata', 'damaged'] as const) expect(refuse.noImageProcessing(why, image, BUDGET).message).toMatch(/^This image needs work \(\w/);
  });

  it('each carry a status, a stable snake_case code and whole sentences', () => {
    const all: AppError[] = [
      refuse.emptyFile(),
      refuse.bodyTooLarge('file', 2, 1),
      refuse.fileTooLarge(images.forFile({ processed: true, kind: 'video' })),
      refuse.unsupportedType(pdf),
      refuse.tooManyPixels(9000, 9000, 1, 50_000_000),
      refuse.tooManyPixels(800, 600, 200, 50_000_000),
      refuse.unreadable('heic'),
      refuse.noDimensions('png'),
      refuse.notCarrierFormat('webp'),
      refuse.tooLargeAsIs(6_000_000, 5_000_000, 'jpg'),
      refuse.photoDoesNotFit(BUDGET),
      refuse.transparentDoesNotFit('120×90 with 16 colours', 700_000, BUDGET),
      refuse.animationDoesNotFit('320×240 with 16 colours', 700_000, BUDGET),
      refuse.metadataTooLarge(400_000, BUDGET),
      refuse.imagesBusy(3),
      refuse.noImageProcessing('asked', { format: 'png', size: 10 }, BUDGET),
      refuse.imagesServiceCannotRead('format', { format: 'avif', size: 10 }, BUDGET),
      refuse.imagesServiceFailed(new Error('9523')),
    ];
    for (const e of all) {
      expect(e.status).toBeGreaterThanOrEqual(400);
      expect(e.code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(e.message).toMatch(/^[A-Z].*[.]$/);
      expect(e.message).not.toMatch(/undefined|NaN|\[object/);
    }
    expect(refuse.imagesBusy(1).headers).toEqual({ 'Retry-After': '1' });
    expect(refuse.imagesBusy(1).message).toMatch(/in 1 second\.$/);
  });
});
