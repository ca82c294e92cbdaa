import { displaySize, type AvFacts, type VideoStreamFacts } from './av.js';
import { refuseAv } from './av-refusals.js';

/**
 * How a re-encode is aimed at the delivery budget in one go: the bit rate from the budget and the duration
 * (less room for the container), then the largest picture size and frame rate that bit rate can fill well,
 * judged by bits per pixel. A clip the lowest rung cannot carry is refused (or cut, with trim=true), naming the
 * longest duration that fits.
 */

/**
 * Share of the budget a video encode aims at. One pass with a target bit rate lands a few per cent over its aim
 * (measured, average bit rate without VBV: 1–4 %), so aiming at 94 % lands between 85 % and 100 % of the budget; the retry aims at 88 %.
 */
export const VIDEO_AIM = 0.94;
export const VIDEO_RETRY_AIM = 0.88;
/** MP3 at a constant bit rate is as large as its bit rate says, give or take a frame. */
export const AUDIO_AIM = 0.99;

/** The MP4 index: a fixed part, plus a few bytes for each video frame and each AAC frame (1,024 samples). */
const MP4_FIXED_BYTES = 4_000;
const MP4_BYTES_PER_SAMPLE = 12;
/** MP3: the Xing header frame and the encoder's padding frames. */
const MP3_FIXED_BYTES = 2_000;

/** AAC-LC mono in video: 44.1 kHz, and a bit rate that grows with what the budget allows per second. */
export const VIDEO_AUDIO_RATE = 44_100;
const videoAudioBitrate = (totalBitrate: number) => (totalBitrate >= 800_000 ? 64_000 : totalBitrate >= 400_000 ? 48_000 : 32_000);
/** The least audio a video keeps, and the least picture: below these a clip is too long for the budget. */
const MIN_VIDEO_AUDIO_BITRATE = 32_000;
export const MIN_VIDEO_BITRATE = 80_000;

/** Picture sizes (long edge) and frame rates, best first; each is capped by the source and VIDEO_MAX_DIMENSION. */
export const VIDEO_LADDER: ReadonlyArray<{ longEdge: number; fps: number }> = [
  { longEdge: 640, fps: 30 },
  { longEdge: 640, fps: 15 },
  { longEdge: 480, fps: 15 },
  { longEdge: 320, fps: 15 },
  { longEdge: 320, fps: 10 },
];
/**
 * H.264 Baseline (x264, preset medium) at these sizes looks clean from about 0.07 bit per pixel; the first rung
 * with this much is taken (a 15 s phone clip at 600 KB: 360×640 at 15 frames a second).
 */
export const MIN_BITS_PER_PIXEL = 0.07;
/** More than this is wasted on a small picture: short clips are not inflated to fill the budget. */
const MAX_BITS_PER_PIXEL = 0.3;

/** MP3 bit rates (MPEG-1 and -2 Layer III), and the sample rate each is encoded at. */
export const MP3_BITRATES = [16_000, 24_000, 32_000, 40_000, 48_000, 56_000, 64_000, 80_000, 96_000, 112_000, 128_000] as const;
const mp3SampleRate = (bitrate: number) => (bitrate <= 24_000 ? 16_000 : bitrate <= 64_000 ? 22_050 : 44_100);
/** Speech from a phone codec (8 or 16 kHz, AMR) gains nothing above this. */
const NARROWBAND_MAX_BITRATE = 32_000;

export interface VideoPlan {
  /** As shown (upright), even. */
  width: number;
  height: number;
  /** The frame rate when it is lowered; undefined keeps the source's. */
  fps?: number;
  /** Bits per second. */
  videoBitrate: number;
  /** Bits per second of AAC, when the source has audio. */
  audioBitrate?: number;
  /** Seconds of output: the source's, or less when trimmed. */
  duration: number;
  trimmed: boolean;
}

export interface AudioPlan {
  bitrate: number;
  sampleRate: number;
  duration: number;
  trimmed: boolean;
}

export interface PlanSettings {
  budgetBytes: number;
  /** VIDEO_MAX_DIMENSION: the long edge of any re-encoded video. */
  maxDimension: number;
  trim: boolean;
}

const mp4Overhead = (seconds: number, fps: number, audio: boolean) => MP4_FIXED_BYTES + MP4_BYTES_PER_SAMPLE * seconds * (fps + (audio ? VIDEO_AUDIO_RATE / 1024 : 0));

/** The longest video the budget carries at the lowest rung (whole seconds). */
export function maxVideoSeconds(budgetBytes: number, audio: boolean): number {
  const lowest = VIDEO_LADDER[VIDEO_LADDER.length - 1]!;
  const perSecond = MIN_VIDEO_BITRATE + (audio ? MIN_VIDEO_AUDIO_BITRATE : 0) + 8 * mp4Overhead(1, lowest.fps, audio) - 8 * MP4_FIXED_BYTES;
  return Math.max(0, Math.floor(((budgetBytes * VIDEO_AIM - MP4_FIXED_BYTES) * 8) / perSecond));
}

/** The longest audio the budget carries at the lowest MP3 bit rate (whole seconds). */
export function maxAudioSeconds(budgetBytes: number): number {
  return Math.max(0, Math.floor(((budgetBytes * AUDIO_AIM - MP3_FIXED_BYTES) * 8) / MP3_BITRATES[0]));
}

/** The output duration: the source's, or the longest that fits when trim=true; otherwise a clip too long is refused. */
function fitDuration(kind: 'video' | 'audio', duration: number, maxSeconds: number, settings: PlanSettings) {
  if (duration <= maxSeconds) return { duration, trimmed: false };
  if (!settings.trim || maxSeconds < 1) throw refuseAv.tooLongForBudget(kind, settings.budgetBytes, maxSeconds, duration);
  return { duration: maxSeconds, trimmed: true };
}

/** Scales to fit a long edge, never enlarging; both sides even (H.264 in 4:2:0 needs that). */
export function fitSize(size: { width: number; height: number }, longEdge: number): { width: number; height: number } {
  const scale = Math.min(1, longEdge / Math.max(size.width, size.height));
  const even = (n: number) => Math.max(2, 2 * Math.round((n * scale) / 2));
  return { width: even(size.width), height: even(size.height) };
}

/** A video's plan: bit rates, size and frame rate for one encode aimed at the budget. */
export function planVideo(facts: Pick<AvFacts, 'duration' | 'audio'> & { video: VideoStreamFacts }, settings: PlanSettings): VideoPlan {
  const audio = facts.audio !== undefined;
  const { duration, trimmed } = fitDuration('video', facts.duration, maxVideoSeconds(settings.budgetBytes, audio), settings);
  const sourceFps = facts.video.fps;
  const shown = displaySize(facts.video);
  const rungs = VIDEO_LADDER.map((rung) => {
    const size = fitSize(shown, Math.min(rung.longEdge, settings.maxDimension));
    const fps = sourceFps !== undefined && sourceFps <= rung.fps ? sourceFps : rung.fps;
    return { ...size, fps };
  });
  const payload = settings.budgetBytes * VIDEO_AIM - mp4Overhead(duration, rungs[0]!.fps, audio);
  const total = (payload * 8) / duration;
  const audioBitrate = audio ? videoAudioBitrate(total) : undefined;
  const available = total - (audioBitrate ?? 0);
  const bpp = (r: { width: number; height: number; fps: number }) => available / (r.width * r.height * r.fps);
  const rung = rungs.find((r) => bpp(r) >= MIN_BITS_PER_PIXEL) ?? rungs[rungs.length - 1]!;
  const videoBitrate = Math.floor(Math.min(available, MAX_BITS_PER_PIXEL * rung.width * rung.height * rung.fps) / 1000) * 1000;
  const lowered = sourceFps === undefined || rung.fps < sourceFps - 0.5;
  return { width: rung.width, height: rung.height, fps: lowered ? rung.fps : undefined, videoBitrate, audioBitrate, duration, trimmed };
}

/** The one retry, when the first encode came out over the budget: the same picture, the bit rate cut by the overshoot. */
export function lowerVideoPlan(plan: VideoPlan, producedBytes: number, budgetBytes: number): VideoPlan {
  const audioBytes = ((plan.audioBitrate ?? 0) * plan.duration) / 8;
  const videoBytes = Math.max(1, producedBytes - audioBytes);
  const wanted = budgetBytes * VIDEO_RETRY_AIM - audioBytes;
  const videoBitrate = Math.max(16_000, Math.floor((plan.videoBitrate * (wanted / videoBytes)) / 1000) * 1000);
  return { ...plan, videoBitrate: Math.min(videoBitrate, plan.videoBitrate - 8_000) };
}

/** An audio file's plan: the highest MP3 bit rate that fits its duration in the budget, mono. */
export function planAudio(facts: Pick<AvFacts, 'duration' | 'audio'>, settings: Pick<PlanSettings, 'budgetBytes' | 'trim'>): AudioPlan {
  const { duration, trimmed } = fitDuration('audio', facts.duration, maxAudioSeconds(settings.budgetBytes), { ...settings, maxDimension: 0 });
  const fits = (rate: number) => (rate * duration) / 8 + MP3_FIXED_BYTES <= settings.budgetBytes * AUDIO_AIM;
  const narrowband = (facts.audio?.sampleRate ?? 44_100) <= 16_000;
  const usable = MP3_BITRATES.filter((rate) => fits(rate) && (!narrowband || rate <= NARROWBAND_MAX_BITRATE));
  const bitrate = usable[usable.length - 1] ?? MP3_BITRATES[0];
  return { bitrate, sampleRate: mp3SampleRate(bitrate), duration, trimmed };
}

/** The one retry for audio: the next lower MP3 bit rate, or undefined at the lowest. */
export function lowerAudioPlan(plan: AudioPlan): AudioPlan | undefined {
  const lower = MP3_BITRATES.filter((rate) => rate < plan.bitrate);
  const bitrate = lower[lower.length - 1];
  return bitrate === undefined ? undefined : { ...plan, bitrate, sampleRate: mp3SampleRate(bitrate) };
}
