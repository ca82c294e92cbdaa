import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NoAvProcessing } from '../../src/adapters/no-av.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { expectError, expectMedia } from '../support/http.js';
import { locationOrDeviceTags } from '../support/metadata-scan.js';

/**
 * Where nothing converts video or audio, files kept as sent still leave without their tags: the MP4's location,
 * make and model, the MP3's ID3 tags (its cover art's EXIF GPS with them). keep_metadata=true keeps the bytes.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { av: new NoAvProcessing({ budgetBytes: 600_000, where: 'node' }) });
});
afterAll(() => t.close());

const corpus = (file: string) => new Uint8Array(readFileSync(new URL(`../fixtures/corpus/${file}`, import.meta.url)));
const upload = (body: Uint8Array, query = '') => t.app.request(`/v1/media${query}`, { method: 'POST', body });
const served = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());

describe('video and audio kept as sent, without their tags', () => {
  for (const [file, type] of [['video/h264-aac-location.mp4', 'video/mp4'], ['audio/id3v2-cover-art.mp3', 'audio/mpeg']] as const) {
    it(`stores ${file} without location or device tags, and with them under keep_metadata=true`, async () => {
      const sent = corpus(file);
      expect(locationOrDeviceTags(sent).length).toBeGreaterThan(0);
      const media = await expectMedia(await upload(sent));
      expect(media.content_type).toBe(type);
      expect(media.transformations).toEqual(['strip_metadata']);
      const stored = await served(media.url);
      expect(stored.length).toBeLessThan(sent.length);
      expect(locationOrDeviceTags(stored)).toEqual([]);

      const kept = await expectMedia(await upload(sent, '?keep_metadata=true'));
      expect(kept.transformations).toEqual([]);
      expect(Buffer.from(await served(kept.url)).equals(sent)).toBe(true);
    });
  }

  it('refuses a file whose tags cannot be removed in place (a chunk offset into a udta box), and keeps it under keep_metadata=true', async () => {
    const sent = corpus('video/h264-aac-location.mp4').slice();
    const text = Buffer.from(sent).toString('latin1');
    const udta = text.indexOf('udta') - 4;
    const stco = text.indexOf('stco') - 4;
    new DataView(sent.buffer).setUint32(stco + 16, udta + 8); // the first chunk offset
    expect(await expectError(await upload(sent), 422, 'media_processing_unavailable')).toBe(
      'This file needs converting (its MP4 structure cannot be rewritten in place to remove its tags (location, device), so it must be remuxed; keep_metadata=true stores it as sent), and this server has no ffmpeg: install it (apt-get install ffmpeg on Debian or Ubuntu), or point FFMPEG_PATH and FFPROBE_PATH at it, and restart the service.',
    );
    expect((await expectMedia(await upload(sent, '?keep_metadata=true'))).size).toBe(sent.length);
  });

  it('stores a file with nothing to remove byte for byte', async () => {
    const sent = corpus('video/h264-aac-location.mp4');
    const clean = await served((await expectMedia(await upload(sent))).url);
    const again = await expectMedia(await upload(clean));
    expect(again.transformations).toEqual([]);
    expect(Buffer.from(await served(again.url)).equals(Buffer.from(clean))).toBe(true);
  });
});
