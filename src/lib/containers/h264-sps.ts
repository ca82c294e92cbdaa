import { BitReader } from './bit-reader.js';

/**
 * The H.264 facts a player is told before the first frame: the profile and the picture size, read from an MP4's
 * decoder configuration (`avcC`, ISO/IEC 14496-15) and its sequence parameter set (SPS, ITU-T H.264 7.3.2.1).
 * Only the Baseline (66) and Main (77) profiles are read: they are the ones every handset decodes, and their SPS
 * has no chroma-format or bit-depth fields (4:2:0, 8 bits are implied). Anything else is undefined.
 */

export interface BaselineOrMainSps {
  /** As ffprobe names it: profile 66 with constraint_set1_flag is "Constrained Baseline". */
  profile: 'Constrained Baseline' | 'Baseline' | 'Main';
  /** The picture size after the SPS's frame cropping. */
  width: number;
  height: number;
}

/** Profiles, by profile_idc, whose SPS this reads. */
const BASELINE = 66;
const MAIN = 77;

/**
 * The one SPS of an `avcC` payload, read; undefined unless the configuration lists exactly one SPS and at least one
 * picture parameter set, its header's profile, compatibility and level bytes are the SPS's own, and nothing follows.
 */
export function readAvcConfig(avcC: Uint8Array): BaselineOrMainSps | undefined {
  // Version 1, profile, compatibility, level, the NAL length size, then the SPS count (low 5 bits) and the SPSs.
  if (avcC.length < 8 || avcC[0] !== 1 || (avcC[5]! & 0x1f) !== 1) return undefined;
  const spsLength = (avcC[6]! << 8) | avcC[7]!;
  const spsEnd = 8 + spsLength;
  if (spsLength < 4 || spsEnd + 1 > avcC.length) return undefined;
  const sps = avcC.subarray(8, spsEnd);
  if (sps[1] !== avcC[1] || sps[2] !== avcC[2] || sps[3] !== avcC[3]) return undefined;
  // The picture parameter sets: a count, then each with its length. Profiles 66 and 77 have no extension after them.
  const ppsCount = avcC[spsEnd]!;
  let at = spsEnd + 1;
  for (let i = 0; i < ppsCount; i++) {
    if (at + 2 > avcC.length) return undefined;
    at += 2 + ((avcC[at]! << 8) | avcC[at + 1]!);
  }
  if (ppsCount === 0 || at !== avcC.length) return undefined;
  return readSps(sps);
}

/** The NAL unit's payload without its emulation-prevention bytes (00 00 03 → 00 00). */
function unescaped(nal: Uint8Array): Uint8Array {
  const out = new Uint8Array(nal.length);
  let n = 0;
  let zeros = 0;
  for (const byte of nal) {
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    zeros = byte === 0 ? zeros + 1 : 0;
    out[n++] = byte;
  }
  return out.subarray(0, n);
}

/** A Baseline or Main SPS NAL unit (its one-byte header first), read to its frame cropping; undefined otherwise. */
export function readSps(nal: Uint8Array): BaselineOrMainSps | undefined {
  // The NAL header: forbidden bit 0, type 7 (SPS).
  if (nal.length < 4 || (nal[0]! & 0x80) !== 0 || (nal[0]! & 0x1f) !== 7) return undefined;
  const r = new BitReader(unescaped(nal.subarray(1)));
  const profileIdc = r.bits(8);
  const constraints = r.bits(8);
  r.bits(8); // level_idc
  if (profileIdc !== BASELINE && profileIdc !== MAIN) return undefined;
  if (r.ue() > 31) return undefined; // seq_parameter_set_id
  if (r.ue() > 12) return undefined; // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) {
    if (r.ue() > 12) return undefined; // log2_max_pic_order_cnt_lsb_minus4
  } else if (pocType === 1) {
    r.flag(); // delta_pic_order_always_zero_flag
    r.se(); // offset_for_non_ref_pic
    r.se(); // offset_for_top_to_bottom_field
    const cycle = r.ue();
    if (cycle > 255) return undefined;
    for (let i = 0; i < cycle && !r.overrun; i++) r.se();
  } else if (pocType !== 2) return undefined;
  r.ue(); // max_num_ref_frames
  r.flag(); // gaps_in_frame_num_value_allowed_flag
  const widthInMbs = r.ue() + 1;
  const heightInMapUnits = r.ue() + 1;
  const frameMbsOnly = r.flag();
  if (!frameMbsOnly) r.flag(); // mb_adaptive_frame_field_flag
  r.flag(); // direct_8x8_inference_flag
  const crop = r.flag() ? { left: r.ue(), right: r.ue(), top: r.ue(), bottom: r.ue() } : { left: 0, right: 0, top: 0, bottom: 0 };
  r.flag(); // vui_parameters_present_flag: what follows (colour, timing) is not needed here
  if (r.overrun) return undefined;
  // 4:2:0: a crop unit is 2 luma samples across, and 2 rows (4 when the picture is coded as fields) down.
  const rowsPerMapUnit = frameMbsOnly ? 16 : 32;
  const cropUnitY = frameMbsOnly ? 2 : 4;
  const codedWidth = widthInMbs * 16;
  const codedHeight = heightInMapUnits * rowsPerMapUnit;
  const width = codedWidth - 2 * (crop.left + crop.right);
  const height = codedHeight - cropUnitY * (crop.top + crop.bottom);
  // Left and top cropping are left to ffprobe: ffmpeg versions differ on them (some round the left crop for
  // alignment). So is a crop that leaves no picture, which ffmpeg versions either refuse or ignore.
  if (crop.left !== 0 || crop.top !== 0 || width <= 0 || height <= 0) return undefined;
  const constrained = (constraints & 0x40) !== 0; // constraint_set1_flag
  const profile = profileIdc === MAIN ? 'Main' : constrained ? 'Constrained Baseline' : 'Baseline';
  return { profile, width, height };
}
