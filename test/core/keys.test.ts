import { describe, expect, it } from 'vitest';
import { MEDIA_ID, newMediaId, safeFilename } from '../../src/core/keys.js';
import { toE164 } from '../../src/core/phone.js';

describe('safeFilename', () => {
  const cases: [string | undefined, string, string][] = [
    ['../../etc/passwd', 'png', 'passwd.png'],
    ['C:\\Users\\me\\IMG_0001.HEIC', 'jpg', 'IMG_0001.jpg'],
    ['Zoë’s photo (1).jpeg', 'jpg', 'Zoe-s-photo-1.jpg'],
    ['日本語.pdf', 'pdf', 'media.pdf'],
    ['a very long name for a brochure.pdf', 'pdf', 'a-very-long-name.pdf'],
    ['"; rm -rf /;".mp3', 'mp3', 'media.mp3'], // a path: only what follows the last slash counts
    [undefined, 'mp4', 'media.mp4'],
  ];
  for (const [input, ext, expected] of cases) {
    it(`${JSON.stringify(input)} → ${expected}`, () => {
      const name = safeFilename(input, ext);
      expect(name).toBe(expected);
      expect(name.length).toBeLessThanOrEqual(20);
    });
  }
});

describe('media ids (= object keys)', () => {
  it('carry 128 random bits in 22 url-safe characters and end with the extension', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newMediaId('jpg')));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}\.jpg$/);
    for (const id of ids) expect(MEDIA_ID.test(id)).toBe(true);
    for (const bad of ['records/x.json', '../a.jpg', 'A'.repeat(22), `${'A'.repeat(22)}.JPG`, `${'A'.repeat(21)}.jpg`]) expect(MEDIA_ID.test(bad)).toBe(false);
  });
});

describe('toE164', () => {
  it.each([
    ['+15551234567', '+15551234567'],
    ['(555) 123-4567', '+15551234567'],
    ['555.123.4567', '+15551234567'],
    ['+44 20 7946 0958', '+442079460958'],
  ])('%s → %s', (input, expected) => expect(toE164(input)).toBe(expected));

  it.each(['hello', '+1555', '12', ''])('refuses %j', (input) => expect(() => toE164(input)).toThrow(/not a phone number/));
});
