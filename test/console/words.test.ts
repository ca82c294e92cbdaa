import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// The page's own module, as the browser runs it (plain JavaScript, no build).
import { formatBytes, problemHeadline, sendReplyInWords, transformationInWords } from '../../web/words.js';
import { formatBytes as serviceFormatBytes } from '../../src/core/errors.js';

describe('the console’s words for what the service says', () => {
  it('says every kind of transformation the service writes in words', () => {
    const said = Object.fromEntries(
      [
        'auto_orient', 'rotate:90', 'strip_metadata', 'keep_metadata:exif,xmp', 'convert_colour:srgb', 'convert:heic->jpeg', 'convert:apng->gif',
        'convert:mov->mp4', 'convert:m4a->mp3', 'rebrand:m4v->mp4', 'resize:4032x3024->2048x1536', 'scale:1920x1080->360x640', 'quality:80',
        'recompress:png', 'reencode:corrupt_data', 'dither:none', 'colors:128', 'frames:40->20', 'frames:12->1', 'transcode:hevc->h264',
        'transcode:amr-nb->mp3', 'profile:high->baseline', 'fps:30->15', 'bitrate:292k', 'channels:2->1', 'trim:30s->12.5s', 'faststart',
        'trim_leading_bytes', 'trim_junk_after_id3',
      ].map((step) => [step, transformationInWords(step)]),
    );
    expect(said).toEqual({
      auto_orient: 'turned upright',
      'rotate:90': 'turned upright (rotated 90°)',
      strip_metadata: 'location removed, with the other metadata (camera, dates)',
      'keep_metadata:exif,xmp': 'metadata kept as asked (EXIF, XMP), location included',
      'convert_colour:srgb': 'colours converted to sRGB',
      'convert:heic->jpeg': 'converted from HEIC to JPEG',
      'convert:apng->gif': 'converted from animated PNG to GIF',
      'convert:mov->mp4': 'converted from MOV to MP4',
      'convert:m4a->mp3': 'converted from M4A to MP3',
      'rebrand:m4v->mp4': 'labelled as MP4 (it was M4V)',
      'resize:4032x3024->2048x1536': 'resized to 2048×1536',
      'scale:1920x1080->360x640': 'resized to 360×640',
      'quality:80': 'saved at JPEG quality 80',
      'recompress:png': 'PNG compressed harder',
      'reencode:corrupt_data': 're-encoded to repair damaged data',
      'dither:none': 'colours kept without dithering',
      'colors:128': 'reduced to 128 colours',
      'frames:40->20': 'animation reduced from 40 to 20 frames',
      'frames:12->1': 'animation reduced to its first picture (of 12)',
      'transcode:hevc->h264': 're-encoded from HEVC to H.264',
      'transcode:amr-nb->mp3': 're-encoded from AMR to MP3',
      'profile:high->baseline': 'H.264 profile lowered from high to Baseline, which every phone plays',
      'fps:30->15': 'frame rate lowered from 30 to 15 per second',
      'bitrate:292k': 'encoded at 292 kbit/s to fit',
      'channels:2->1': 'mixed down to mono',
      'trim:30s->12.5s': 'cut from 30 s to 12.5 s to fit',
      faststart: 'index moved to the front, so it starts playing at once',
      trim_leading_bytes: 'stray bytes before the PDF removed',
      trim_junk_after_id3: 'stray bytes after the MP3 tags removed',
    });
    expect(transformationInWords('something:new')).toBe('something:new'); // shown as written, never hidden
  });

  it('has a plain headline for every problem code preflight reports', async () => {
    const dir = join(import.meta.dirname, '..', '..', 'src', 'core');
    const codes = new Set<string>();
    for (const name of (await readdir(dir)).filter((n) => n.startsWith('preflight'))) {
      for (const m of (await readFile(join(dir, name), 'utf8')).matchAll(/problem\('([a-z_]+)'/g)) codes.add(m[1]!);
    }
    expect(codes.size).toBeGreaterThan(20);
    const unsaid = [...codes].filter((code) => problemHeadline({ code, message: '(raw)' }) === '(raw)');
    expect(unsaid).toEqual([]);
  });

  it('counts sizes as the service does', () => {
    for (const n of [0, 1, 999, 1000, 486_619, 999_949, 1_000_000, 5_250_000]) expect([n, formatBytes(n)]).toEqual([n, serviceFormatBytes(n)]);
  });

  it('reads a send reply as Sent, Dry run or Not sent', () => {
    expect(sendReplyInWords(200, { success: true, message: 'MMS sent successfully', phone_number: '+15551234567' })).toEqual({ ok: true, title: 'Sent', detail: 'MMS sent successfully to +15551234567' });
    expect(sendReplyInWords(200, { success: true, dry_run: true, phone_number: '+15551234567' }).title).toBe('Dry run');
    // The service's own refusal (its envelope has `code`), and the endpoint's 4xx passed on as it came (no `code`).
    expect(sendReplyInWords(502, { success: false, code: 'upstream_unavailable', error: 'The send endpoint failed (HTTP 503); the message may not have been sent.' })).toEqual({
      ok: false,
      title: 'Not sent',
      detail: 'The send endpoint failed (HTTP 503); the message may not have been sent.',
    });
    expect(sendReplyInWords(400, { success: false, error: 'Invalid campaign' }).detail).toBe('The send endpoint refused the message (HTTP 400): Invalid campaign');
    expect(sendReplyInWords(422, { detail: 'unreadable' }).detail).toBe('The send endpoint refused the message (HTTP 422): it gave no reason.');
  });
});
