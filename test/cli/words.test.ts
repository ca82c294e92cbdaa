import { describe, expect, it } from 'vitest';
import { stepInWords, whatWasDone } from '../../src/cli/words.js';

/** Every step the service writes in `transformations` (see src/core/policy/av-steps.ts and the image adapters), in words. */
describe('transformations in words', () => {
  it.each([
    ['auto_orient', 'turned upright'],
    ['rotate:90', 'turned upright'],
    ['strip_metadata', 'metadata removed (location included)'],
    ['keep_metadata:exif,xmp', 'metadata kept (exif, xmp)'],
    ['convert:heic->jpeg', 'converted from HEIC to JPEG'],
    ['convert:mov->mp4', 'converted from MOV to MP4'],
    ['transcode:hevc->h264', 're-encoded from HEVC to H.264'],
    ['transcode:opus->aac', 're-encoded from Opus to AAC'],
    ['resize:4032x3024->2048x1536', 'resized to 2048×1536'],
    ['scale:1920x1080->360x640', 'resized to 360×640'],
    ['quality:80', 'compressed (quality 80)'],
    ['recompress:png', 'recompressed as PNG'],
    ['reencode:corrupt_data', 're-encoded (damaged data repaired)'],
    ['convert_colour:srgb', 'colours converted to sRGB'],
    ['palette:256', 'reduced to 256 colours'],
    ['colors:64', 'reduced to 64 colours'],
    ['dither:none', 'without dithering'],
    ['frames:120->60', '60 of 120 frames kept'],
    ['fps:30->15', '15 frames a second (was 30)'],
    ['bitrate:292k', 'bit rate 292 kbit/s'],
    ['channels:2->1', 'mono'],
    ['profile:high->baseline', 'H.264 baseline profile (was high)'],
    ['trim:95.2s->41s', 'cut to the first 41 s (of 95.2 s)'],
    ['faststart', 'index moved to the front for streaming'],
    ['something_new:1', 'something_new:1'],
  ])('%s → %s', (step, words) => {
    expect(stepInWords(step)).toBe(words);
  });

  it('joins the steps in the service’s order, saying "turned upright" once, and "unchanged" for none', () => {
    expect(whatWasDone(['auto_orient', 'rotate:90', 'strip_metadata'])).toBe('turned upright, metadata removed (location included)');
    expect(whatWasDone([])).toBe('unchanged');
  });
});
