// TEMP STUB (not committed): replaced by the describe-av branch.
import type { Pieces } from '../pieces.js';
export interface DescribedAv {
  duration: number;
  video?: { codec: 'h264'; profile: 'Constrained Baseline' | 'Baseline' | 'Main'; pixFmt: 'yuv420p'; width: number; height: number; fps?: number; rotation: 0 | 90 | 180 | 270 };
  audio?: { codec: 'aac' | 'mp3'; profile?: 'LC'; channels: number; sampleRate: number };
  faststart?: boolean;
}
export function describeAv(_file: Pieces, _format: string): DescribedAv | undefined {
  return undefined;
}
