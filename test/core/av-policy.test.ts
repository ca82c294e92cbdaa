import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import {
  assertProcessable,
  avAsSent,
  avSteps,
  avWork,
  fitSize,
  formatDuration,
  lowerAudioPlan,
  lowerVideoPlan,
  maxAudioSeconds,
  maxVideoSeconds,
  planAudio,
  planVideo,
  refuseAv,
  resolveAvOptions,
  type AvFacts,
} from '../../src/core/policy.js';

/** The video and audio decisions as pure functions: what the ffmpeg adapter and the stand-in without it ask. */
const AUTO = resolveAvOptions();
const SAFE = 600_000;
const settings = { budgetBytes: SAFE, maxDimension: 640, trim: false };

const iphone: AvFacts = {
  format: 'mov',
  size: 30_000_000,
  duration: 15,
  video: { codec: 'hevc', profile: 'Main', pixFmt: 'yuv420p', width: 1920, height: 1080, fps: 30, rotation: 90 },
  audio: { codec: 'aac', profile: 'LC', channels: 2, sampleRate: 44_100 },
  metadata: ['com.apple.quicktime.location.ISO6709', 'make', 'model'],
  faststart: true,
};
const deliverable: AvFacts = {
  format: 'mp4',
  size: 400_000,
  duration: 8,
  video: { codec: 'h264', profile: 'Constrained Baseline', pixFmt: 'yuv420p', width: 640, height: 360, fps: 15, rotation: 0 },
  audio: { codec: 'aac', profile: 'LC', channels: 1, sampleRate: 44_100 },
  metadata: [],
  faststart: true,
};
const memo: AvFacts = { format: 'm4a', size: 1_900_000, duration: 120, audio: { codec: 'aac', profile: 'LC', channels: 1, sampleRate: 48_000 }, metadata: [] };

/** The AppError a call throws (the test fails if it returns, or throws anything else). */
function thrown(f: () => unknown): AppError {
  let error: unknown;
  try {
    f();
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('the as-is rule for video and audio', () => {
  it('keeps a deliverable MP4 and a clean MP3 within the budget as they are', () => {
    expect(avWork(deliverable, AUTO, SAFE)).toEqual({ action: 'keep' });
    const mp3: AvFacts = { format: 'mp3', size: 300_000, duration: 60, audio: { codec: 'mp3', channels: 1 }, metadata: [] };
    expect(avWork(mp3, AUTO, SAFE)).toEqual({ action: 'keep' });
  });

  it('re-encodes what needs new streams: other codecs, over the budget, rotated, or asked', () => {
    expect(avWork(iphone, AUTO, SAFE)).toEqual({ action: 'encode', reasons: ['codec', 'budget', 'orientation', 'container', 'metadata'] });
    expect(avWork({ ...deliverable, size: 700_000 }, AUTO, SAFE)).toEqual({ action: 'encode', reasons: ['budget'] });
    expect(avWork({ ...deliverable, video: { ...deliverable.video!, profile: 'High' } }, AUTO, SAFE)).toEqual({ action: 'encode', reasons: ['codec'] });
    expect(avWork({ ...deliverable, audio: { codec: 'aac', profile: 'HE-AAC' } }, AUTO, SAFE)).toEqual({ action: 'encode', reasons: ['codec'] });
    expect(avWork(deliverable, { ...AUTO, optimize: 'always' }, SAFE)).toEqual({ action: 'encode', reasons: ['asked'] });
    expect(avWork(memo, AUTO, SAFE)).toEqual({ action: 'encode', reasons: ['codec', 'budget', 'container'] });
  });

  it('remuxes playable streams out of MOV, away from their metadata, or to put the index first', () => {
    expect(avWork({ ...deliverable, format: 'mov' }, AUTO, SAFE)).toEqual({ action: 'remux', reasons: ['container'] });
    expect(avWork({ ...deliverable, metadata: ['location'] }, AUTO, SAFE)).toEqual({ action: 'remux', reasons: ['metadata'] });
    expect(avWork({ ...deliverable, metadata: ['location'] }, { ...AUTO, keepMetadata: true }, SAFE)).toEqual({ action: 'keep' });
    expect(avWork({ ...deliverable, faststart: false }, AUTO, SAFE)).toEqual({ action: 'remux', reasons: ['faststart'] });
  });

  it('never remuxes into MP3: audio in any other container is re-encoded', () => {
    const wav: AvFacts = { format: 'wav', size: 100_000, duration: 3, audio: { codec: 'pcm_s16le', channels: 1 }, metadata: [] };
    expect(avWork(wav, AUTO, SAFE)).toEqual({ action: 'encode', reasons: ['codec', 'container'] });
  });
});

describe('optimize=off', () => {
  it('stores a carrier type within the endpoint’s limit, cutting metadata out by a remux', () => {
    expect(avAsSent({ format: 'mp4', size: 9_000_000, metadata: ['location'] }, false)).toEqual({ type: expect.objectContaining({ extension: 'mp4' }), strip: true });
    expect(avAsSent({ format: 'wav', size: 4_000_000, metadata: [] }, false).strip).toBe(false);
  });

  it('refuses what carriers do not take, or what is over the endpoint’s limit', () => {
    expect(thrown(() => avAsSent({ format: 'mov', size: 1_000, metadata: [] }, false))).toMatchObject({
      status: 415,
      code: 'unsupported_media_type',
      message:
        'With optimize=off the file is kept exactly as sent, but carriers do not accept QuickTime (MOV) files. Send it with optimize=auto to have it converted, or send an MP4, 3GP, MP3, WAV or Ogg file.',
    });
    expect(thrown(() => avAsSent({ format: 'mp4', size: 12_000_000, metadata: [] }, false))).toMatchObject({
      status: 413,
      code: 'file_too_large',
      message: 'The file is 12 MB; with optimize=off it is sent exactly as it is, and the send endpoint takes mp4 files up to 10 MB. Send it with optimize=auto to have it made smaller.',
    });
  });
});

describe('the bit-rate plan', () => {
  it('names the longest clip each budget carries at the lowest rung', () => {
    expect([maxVideoSeconds(SAFE, true), maxVideoSeconds(SAFE, false), maxVideoSeconds(1_000_000, true), maxAudioSeconds(SAFE)]).toEqual([38, 55, 63, 296]);
  });

  it('fits a 15 s rotated 1080p clip at 360×640, 15 frames a second, with 32k mono AAC', () => {
    expect(planVideo({ ...iphone, video: iphone.video! }, settings)).toEqual({
      width: 360,
      height: 640,
      fps: 15,
      videoBitrate: 259_000,
      audioBitrate: 32_000,
      duration: 15,
      trimmed: false,
    });
  });

  it('keeps size and frame rate for a short clip, and does not inflate it past 0.3 bit per pixel', () => {
    const plan = planVideo({ ...iphone, duration: 2, video: iphone.video! }, settings);
    expect(plan).toMatchObject({ width: 360, height: 640, fps: undefined, audioBitrate: 64_000 });
    expect(plan.videoBitrate).toBe(Math.floor((0.3 * 360 * 640 * 30) / 1000) * 1000);
  });

  it('steps down the ladder as the clip gets longer', () => {
    const at = (duration: number) => {
      const p = planVideo({ ...iphone, duration, video: iphone.video! }, settings);
      return `${p.width}x${p.height}@${p.fps ?? 30} ${p.videoBitrate / 1000}k`;
    };
    expect([5, 10, 30, 38].map(at)).toEqual(['360x640@30 824k', '360x640@15 392k', '180x320@15 110k', '180x320@15 78k']);
  });

  it('never enlarges, honours VIDEO_MAX_DIMENSION, and keeps both sides even', () => {
    expect(fitSize({ width: 1920, height: 1080 }, 640)).toEqual({ width: 640, height: 360 });
    expect(fitSize({ width: 321, height: 241 }, 640)).toEqual({ width: 322, height: 242 });
    const small = planVideo({ ...deliverable, video: { ...deliverable.video!, width: 176, height: 144 } }, { ...settings, maxDimension: 480 });
    expect([small.width, small.height]).toEqual([176, 144]);
    const capped = planVideo({ ...iphone, duration: 3, video: iphone.video! }, { ...settings, maxDimension: 320 });
    expect([capped.width, capped.height]).toEqual([180, 320]);
  });

  it('refuses a clip longer than the budget carries, naming the longest that fits, or trims it when asked', () => {
    const refusal = thrown(() => planVideo({ ...iphone, duration: 130, video: iphone.video! }, settings));
    expect(refusal).toMatchObject({
      status: 422,
      code: 'media_too_long',
      message: 'At the 600 KB delivery budget, video up to 38 s fits; this clip is 2 min 10 s. Send a shorter clip, or add trim=true to send its first 38 s.',
    });
    expect(planVideo({ ...iphone, duration: 130, video: iphone.video! }, { ...settings, trim: true })).toMatchObject({ duration: 38, trimmed: true });
    expect(thrown(() => planAudio({ ...memo, duration: 400 }, settings)).message).toBe(
      'At the 600 KB delivery budget, audio up to 4 min 56 s fits; this recording is 6 min 40 s. Send a shorter recording, or add trim=true to send its first 4 min 56 s.',
    );
  });

  it('gives audio the highest MP3 bit rate that fits, lower for phone-codec speech', () => {
    expect(planAudio(memo, settings)).toEqual({ bitrate: 32_000, sampleRate: 22_050, duration: 120, trimmed: false });
    expect(planAudio({ ...memo, duration: 10 }, settings)).toMatchObject({ bitrate: 128_000, sampleRate: 44_100 });
    expect(planAudio({ ...memo, duration: 10, audio: { codec: 'amr_nb', sampleRate: 8_000 } }, settings)).toMatchObject({ bitrate: 32_000 });
  });

  it('retries once lower: video by the overshoot, audio one bit rate down', () => {
    const plan = planVideo({ ...iphone, video: iphone.video! }, settings);
    const lower = lowerVideoPlan(plan, 640_000, SAFE);
    expect(lower.videoBitrate).toBeLessThan(plan.videoBitrate * (SAFE * 0.88) / 640_000 + 1000);
    expect({ ...lower, videoBitrate: 0 }).toEqual({ ...plan, videoBitrate: 0 });
    expect(lowerAudioPlan(planAudio(memo, settings))).toEqual({ bitrate: 24_000, sampleRate: 16_000, duration: 120, trimmed: false });
    expect(lowerAudioPlan({ bitrate: 16_000, sampleRate: 16_000, duration: 1, trimmed: false })).toBeUndefined();
  });
});

describe('what the probe is checked for before decoding', () => {
  it('refuses no streams, an input over MEDIA_MAX_INPUT_SECONDS, and too many pixels', () => {
    expect(thrown(() => assertProcessable({ format: 'mp4', size: 100, duration: 0, metadata: [] }, 600)).message).toBe(
      'The MP4 file holds no video or audio stream: there is nothing to play. Send the original recording.',
    );
    expect(thrown(() => assertProcessable({ ...memo, duration: 3 * 3600 }, 600))).toMatchObject({
      code: 'input_too_long',
      message: 'This audio file is 3 h long; files up to 10 min are taken for processing. Send a shorter one.',
    });
    const huge = { ...deliverable, video: { ...deliverable.video!, width: 16_384, height: 16_384 } };
    expect(thrown(() => assertProcessable(huge, 600)).message).toBe('The video is 16384×16384 at 15 frames a second; videos up to 8K (7680×4320) at 30 frames a second are taken. Send a smaller one.');
    const fast = { ...deliverable, video: { ...deliverable.video!, width: 7680, height: 4320, fps: 240 } };
    expect(thrown(() => assertProcessable(fast, 600)).code).toBe('media_too_many_pixels');
    expect(() => assertProcessable(iphone, 600)).not.toThrow();
  });
});

describe('transformations', () => {
  it('say what a re-encode did, in the issue’s order', () => {
    const plan = planVideo({ ...iphone, video: iphone.video! }, settings);
    expect(avSteps(iphone, plan, false)).toEqual([
      'convert:mov->mp4',
      'transcode:hevc->h264',
      'rotate:90',
      'scale:1920x1080->360x640',
      'fps:30->15',
      'bitrate:259k',
      'channels:2->1',
      'strip_metadata',
    ]);
    expect(avSteps(memo, planAudio(memo, settings), false)).toEqual(['convert:m4a->mp3', 'transcode:aac->mp3', 'bitrate:32k']);
    const trimmed = planAudio({ ...memo, duration: 400 }, { ...settings, trim: true });
    expect(avSteps({ ...memo, duration: 400 }, trimmed, false)).toEqual(['convert:m4a->mp3', 'transcode:aac->mp3', 'bitrate:16k', 'trim:400s->296s']);
  });

  it('say what a remux did', () => {
    expect(avSteps({ ...deliverable, format: 'mov', metadata: ['location'], faststart: false }, undefined, false)).toEqual(['convert:mov->mp4', 'strip_metadata', 'faststart']);
  });
});

describe('durations in sentences', () => {
  it('read as people say them', () => {
    expect([0.4, 38, 60, 130, 3600, 3900].map(formatDuration)).toEqual(['1 s', '38 s', '1 min', '2 min 10 s', '1 h', '1 h 5 min']);
  });

  it('the busy refusal says when to come back', () => {
    expect(refuseAv.busy(1)).toMatchObject({ status: 503, code: 'server_busy', headers: { 'Retry-After': '1' } });
    expect(refuseAv.busy(3).message).toBe('Too many videos and audio files are being converted right now; try again in 3 seconds.');
  });
});
