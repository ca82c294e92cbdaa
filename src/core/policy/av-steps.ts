import { codecName } from './av-formats.js';
import { avKind, playableCodecs, type AvFacts } from './av.js';
import type { AudioPlan, VideoPlan } from './av-plan.js';

/**
 * What was done to a video or audio file, as the media object's `transformations` say it, in the order of the
 * issue's example: ["convert:mov->mp4", "transcode:hevc->h264", "rotate:90", "scale:1920x1080->360x640",
 * "fps:30->15", "bitrate:112k", "strip_metadata"]. Sizes are as stored before and as shown after.
 */

const kbps = (bits: number) => `${Math.round(bits / 1000)}k`;
const profileName = (profile: string | undefined) => (profile ?? 'unknown').toLowerCase().replace(/\s+/g, '-');
const seconds = (s: number) => `${Math.round(s * 10) / 10}s`;

/** A re-encode (with its plan) or a remux (without one). */
export function avSteps(facts: AvFacts, plan: VideoPlan | AudioPlan | undefined, keepMetadata: boolean): string[] {
  const kind = avKind(facts);
  const target = kind === 'video' ? 'mp4' : 'mp3';
  const steps: string[] = [];
  if (facts.format !== target) steps.push(`convert:${facts.format}->${target}`);
  if (plan && 'width' in plan && facts.video) {
    const v = facts.video;
    if (v.codec !== 'h264') steps.push(`transcode:${codecName(v.codec)}->h264`);
    else if (!playableCodecs({ video: v })) steps.push(`profile:${profileName(v.profile)}->baseline`);
    if (facts.audio && facts.audio.codec !== 'aac') steps.push(`transcode:${codecName(facts.audio.codec)}->aac`);
    if (v.rotation !== 0) steps.push(`rotate:${v.rotation}`);
    if (plan.width !== (v.rotation % 180 ? v.height : v.width) || plan.height !== (v.rotation % 180 ? v.width : v.height)) {
      steps.push(`scale:${v.width}x${v.height}->${plan.width}x${plan.height}`);
    }
    if (plan.fps !== undefined && v.fps !== undefined) steps.push(`fps:${Math.round(v.fps)}->${plan.fps}`);
    steps.push(`bitrate:${kbps(plan.videoBitrate)}`);
    if (facts.audio && (facts.audio.channels ?? 1) > 1) steps.push(`channels:${facts.audio.channels}->1`);
  } else if (plan && 'bitrate' in plan && facts.audio) {
    if (facts.audio.codec !== 'mp3') steps.push(`transcode:${codecName(facts.audio.codec)}->mp3`);
    if ((facts.audio.channels ?? 1) > 1) steps.push(`channels:${facts.audio.channels}->1`);
    steps.push(`bitrate:${kbps(plan.bitrate)}`);
  }
  if (plan?.trimmed) steps.push(`trim:${seconds(facts.duration)}->${seconds(plan.duration)}`);
  if (!keepMetadata && facts.metadata.length > 0) steps.push('strip_metadata');
  if (!plan && kind === 'video' && facts.faststart === false) steps.push('faststart');
  return steps;
}
