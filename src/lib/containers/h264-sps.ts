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
 * picture parameter set, each of which ffmpeg would accept for it, its header's profile, compatibility and level
 * bytes are the SPS's own, its samples' NAL units have 4-byte lengths (as every muxer writes), and nothing follows.
 */
export function readAvcConfig(avcC: Uint8Array): BaselineOrMainSps | undefined {
  // Version 1, profile, compatibility, level, reserved bits and the NAL length size less one (3), then reserved
  // bits and the SPS count (1), then the SPSs.
  if (avcC.length < 8 || avcC[0] !== 1 || avcC[4] !== 0xff || avcC[5] !== 0xe1) return undefined;
  const spsLength = (avcC[6]! << 8) | avcC[7]!;
  const spsEnd = 8 + spsLength;
  if (spsLength < 4 || spsEnd + 1 > avcC.length) return undefined;
  const sps = readSps(avcC.subarray(8, spsEnd));
  if (!sps || avcC[9] !== avcC[1] || avcC[10] !== avcC[2] || avcC[11] !== avcC[3]) return undefined;
  // The picture parameter sets: a count, then each with its length. Profiles 66 and 77 have no extension after them.
  const ppsCount = avcC[spsEnd]!;
  let at = spsEnd + 1;
  for (let i = 0; i < ppsCount; i++) {
    if (at + 2 > avcC.length) return undefined;
    const end = at + 2 + ((avcC[at]! << 8) | avcC[at + 1]!);
    if (end > avcC.length || !acceptablePps(avcC.subarray(at + 2, end), sps.id)) return undefined;
    at = end;
  }
  if (ppsCount === 0 || at !== avcC.length) return undefined;
  return { profile: sps.profile, width: sps.width, height: sps.height };
}

/**
 * The NAL unit's payload without its emulation-prevention bytes (00 00 03 → 00 00). 00 00 followed by 00, 01 or
 * 02 cannot be inside a NAL unit: ffmpeg ends the unit there, and so does this.
 */
function unescaped(nal: Uint8Array): Uint8Array {
  const out = new Uint8Array(nal.length);
  let n = 0;
  let zeros = 0;
  for (const byte of nal) {
    if (zeros >= 2 && byte < 3) break;
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    zeros = byte === 0 ? zeros + 1 : 0;
    out[n++] = byte;
  }
  return out.subarray(0, n);
}

/**
 * A Baseline or Main SPS NAL unit (its one-byte header first), read whole with the checks ffmpeg's decoder makes
 * (it reports no profile for a stream whose SPS it refuses); undefined otherwise.
 */
function readSps(nal: Uint8Array): (BaselineOrMainSps & { id: number }) | undefined {
  // The NAL header: forbidden bit 0, type 7 (SPS).
  if (nal.length < 4 || (nal[0]! & 0x80) !== 0 || (nal[0]! & 0x1f) !== 7) return undefined;
  const r = new BitReader(unescaped(nal.subarray(1)));
  const profileIdc = r.bits(8);
  const constraints = r.bits(8);
  r.bits(8); // level_idc
  if (profileIdc !== BASELINE && profileIdc !== MAIN) return undefined;
  const id = r.ue(); // seq_parameter_set_id
  if (id > 31) return undefined;
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
  if (r.ue() > 16) return undefined; // max_num_ref_frames
  r.flag(); // gaps_in_frame_num_value_allowed_flag
  const widthInMbs = r.ue() + 1;
  const heightInMapUnits = r.ue() + 1;
  const frameMbsOnly = r.flag();
  if (!frameMbsOnly) r.flag(); // mb_adaptive_frame_field_flag
  r.flag(); // direct_8x8_inference_flag
  const crop = r.flag() ? { left: r.ue(), right: r.ue(), top: r.ue(), bottom: r.ue() } : { left: 0, right: 0, top: 0, bottom: 0 };
  if (r.flag() && !skipVui(r)) return undefined; // vui_parameters_present_flag
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
  // ffmpeg's limit on a picture's size (av_image_check_size).
  if ((codedWidth + 128) * (codedHeight + 128) >= 2 ** 31 / 8) return undefined;
  const constrained = (constraints & 0x40) !== 0; // constraint_set1_flag
  const profile = profileIdc === MAIN ? 'Main' : constrained ? 'Constrained Baseline' : 'Baseline';
  return { id, profile, width, height };
}

/**
 * Reads past the SPS's video usability information (H.264 E.1.1), refusing what ffmpeg refuses: more than 32
 * coded picture buffers, more than 16 frames to reorder. True when it was read without running out of bits.
 */
function skipVui(r: BitReader): boolean {
  if (r.flag()) {
    const aspect = r.bits(8); // aspect_ratio_idc: one of 17 known ratios, or 255 and the ratio itself
    if (aspect === 255) r.bits(32);
    else if (aspect > 16) return false;
  }
  if (r.flag()) r.flag(); // overscan
  if (r.flag()) {
    r.bits(4); // video_format, video_full_range_flag
    if (r.flag()) r.bits(24); // colour primaries, transfer, matrix
  }
  if (r.flag()) {
    r.ue(); // chroma_sample_loc_type_top_field
    r.ue(); // chroma_sample_loc_type_bottom_field
  }
  if (r.flag()) r.bits(65); // timing: num_units_in_tick, time_scale, fixed_frame_rate_flag
  const nalHrd = r.flag() && skipHrd(r);
  const vclHrd = r.flag() && skipHrd(r);
  if (nalHrd === undefined || vclHrd === undefined) return false;
  if (nalHrd || vclHrd) r.flag(); // low_delay_hrd_flag
  r.flag(); // pic_struct_present_flag
  if (r.flag()) {
    r.flag(); // motion_vectors_over_pic_boundaries_flag
    for (let i = 0; i < 4; i++) r.ue(); // bytes per picture, bits per macroblock, motion vector lengths
    if (r.ue() > 16) return false; // max_num_reorder_frames
    r.ue(); // max_dec_frame_buffering
  }
  return !r.overrun;
}

/** Reads past HRD parameters (E.1.2): true once read, undefined when they list more buffers than there can be. */
function skipHrd(r: BitReader): true | undefined {
  const buffers = r.ue() + 1;
  if (buffers > 32) return undefined;
  r.bits(8); // bit_rate_scale, cpb_size_scale
  for (let i = 0; i < buffers && !r.overrun; i++) {
    r.ue(); // bit_rate_value_minus1
    r.ue(); // cpb_size_value_minus1
    r.flag(); // cbr_flag
  }
  r.bits(20); // four delay and length fields of 5 bits
  return true;
}

/**
 * Whether a picture parameter set (7.3.2.2) is one ffmpeg accepts for the SPS `spsId`: its id in range, that SPS,
 * one slice group and no redundant pictures (which ffmpeg does not decode), and reference counts and quantizer
 * offsets within their bounds.
 */
function acceptablePps(nal: Uint8Array, spsId: number): boolean {
  if (nal.length < 2 || (nal[0]! & 0x80) !== 0 || (nal[0]! & 0x1f) !== 8) return false;
  const r = new BitReader(unescaped(nal.subarray(1)));
  if (r.ue() > 255 || r.ue() !== spsId) return false; // pic_parameter_set_id, seq_parameter_set_id
  r.bits(2); // entropy_coding_mode_flag, bottom_field_pic_order_in_frame_present_flag
  if (r.ue() !== 0) return false; // num_slice_groups_minus1
  if (r.ue() > 31 || r.ue() > 31) return false; // num_ref_idx_l0/l1_default_active_minus1
  r.flag(); // weighted_pred_flag
  if (r.bits(2) > 2) return false; // weighted_bipred_idc
  const qp = r.se(); // pic_init_qp_minus26
  const qs = r.se(); // pic_init_qs_minus26
  const chromaOffset = r.se(); // chroma_qp_index_offset
  r.bits(2); // deblocking_filter_control_present_flag, constrained_intra_pred_flag
  if (r.flag()) return false; // redundant_pic_cnt_present_flag
  return !r.overrun && qp >= -26 && qp <= 25 && qs >= -26 && qs <= 25 && chromaOffset >= -12 && chromaOffset <= 12;
}

/**
 * NAL unit types a Baseline or Main sample may hold: coded slices (1, 5), SEI (6), access unit delimiters (9), end
 * of sequence or stream (10, 11), filler (12). Parameter sets in the samples (7, 8) could differ from the ones in
 * `avcC` and change the profile ffmpeg reports; data partitions and extensions (2–4, 13 and up) are other profiles.
 */
const SAMPLE_NAL_TYPES = new Set([1, 5, 6, 9, 10, 11, 12]);

/**
 * Whether a sample of an `avc1` track is whole and plain: NAL units, each after its 4-byte length, that fill it
 * exactly, none a parameter set or of another profile. `lengthAt` and `headerAt` read the 4-byte length and the
 * 1-byte NAL header at an offset from the sample's start.
 */
export function plainAvcSample(size: number, lengthAt: (at: number) => number, headerAt: (at: number) => number): boolean {
  for (let at = 0; at < size; ) {
    if (at + 5 > size) return false;
    const length = lengthAt(at);
    const header = headerAt(at + 4);
    if (length === 0 || at + 4 + length > size || (header & 0x80) !== 0 || !SAMPLE_NAL_TYPES.has(header & 0x1f)) return false;
    at += 4 + length;
  }
  return true;
}

