import { describe, expect, it } from 'vitest';
import { factsFromMetadata, factsToMetadata, originalText, type MediaFacts } from '../../src/core/media-record.js';

describe('the media record kept as object metadata', () => {
  it('round-trips, and keeps only its own fields', () => {
    const facts: MediaFacts = {
      sha256: 'a'.repeat(64),
      width: 1600,
      height: 1200,
      transformations: ['strip_metadata', 'resize:4032x3024->1600x1200'],
      original: { filename: 'Zoë’s photo.HEIC', content_type: 'image/heic', size: 2_400_000, width: 4032, height: 3024 },
    };
    expect(factsFromMetadata(factsToMetadata(facts))).toEqual(facts);
    const tampered = { media: Buffer.from(JSON.stringify({ ...facts, url: 'https://evil.example', id: 'x' })).toString('base64url') };
    expect(factsFromMetadata(tampered)).toEqual(facts);
  });

  it('is null for objects this service did not write', () => {
    expect(factsFromMetadata({})).toBeNull();
    expect(factsFromMetadata({ media: 'not base64 json!' })).toBeNull();
    expect(factsFromMetadata({ media: Buffer.from('{"sha256":1}').toString('base64url') })).toBeNull();
  });

  it('stays under the 2 KB of metadata S3 allows, whatever the caller sent', () => {
    const worst = ['€', '"', '\\', '\u0001', '😀', '\uD800'].map((c) => c.repeat(500));
    for (const name of worst) {
      for (const type of worst) {
        const facts: MediaFacts = {
          sha256: 'f'.repeat(64),
          width: 65535,
          height: 65535,
          transformations: ['strip_metadata', 'convert:heic->jpeg', 'resize:65535x65535->2048x2048', 'quality:100', 'colors:16', 'frames:9999->5000'],
          original: { filename: originalText(name), content_type: originalText(type), size: 25_000_000, width: 65535, height: 65535 },
        };
        const [[key, value]] = Object.entries(factsToMetadata(facts)) as [[string, string]];
        expect(key.length + value.length).toBeLessThanOrEqual(2048);
      }
    }
  });

  it('keeps what the caller said as text: no control characters, no broken characters, at most 100 characters', () => {
    expect(originalText('a\u0000b\r\nc\u007f.pdf')).toBe('abc.pdf');
    expect(originalText('😀'.repeat(60))).toBe(`${'😀'.repeat(50)}`);
    expect(originalText(`${'x'.repeat(99)}😀`)).toBe(`${'x'.repeat(99)}\uFFFD`); // the pair was cut in half
    expect(originalText('a\uDC00b')).toBe('a\uFFFDb');
    expect(originalText(undefined)).toBeNull();
  });
});
