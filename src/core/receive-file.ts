import { ArrivingBody } from './arriving.js';
import type { PooledBytes } from './block-pool.js';
import { spliced } from '../lib/pieces.js';
import { carrierTypeFor, changeWhenStored, refuse, refuseType, type Limits } from './policy.js';
import type { AvProcessor, Hasher, ImageProcessor } from './ports.js';
import { detectArriving, shownBy } from './sniff.js';

/** What receiving a file needs of the service: who takes which kind, the limits, and how to hash. */
export interface ReceiveDeps {
  images: ImageProcessor;
  av?: AvProcessor;
  limits: Limits;
  sha256: () => Hasher;
}

/**
 * Reads the whole file, deciding from its bytes what it is and so which limit applies, and stops as soon as it
 * runs past that limit. Detection reads only as far as it needs (see detectArriving), so its answer does not
 * depend on how the body was cut into pieces. Nothing reaches storage before the last byte is in and checked.
 * Each piece is copied into `file` (pooled memory, see BlockPool) and, for a file kept as sent, hashed as it
 * arrives (those read for detection once the type is known), while it is still in the CPU's cache: hashed after
 * the whole file is in, the bytes come back from memory, which under load costs half as much again.
 */
export async function receiveFile(
  deps: ReceiveDeps,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  file: PooledBytes,
  declaredSize: number | undefined,
  seen: { kind?: string },
) {
  const body = new ArrivingBody(reader, file);
  // Detection reads no further than the limit for the kind the first bytes show, or than any file may be.
  await body.readUpTo(3); // the first four bytes, or all there are
  const shown = shownBy(body.bytes(0, 4));
  // Never past what a file held in memory may have: a converted video streams to disk only once it is named.
  const detectionLimit = Math.min(shown ? deps.limits.inputBytes(shown.kind) : deps.limits.maxBodyBytes, deps.limits.heldBytes);
  const detected = await detectArriving(body, detectionLimit);
  if (file.size === 0) throw refuse.emptyFile();
  if (!detected && shown) {
    // Not named within the limit for the kind its first bytes show: too large for it, or damaged.
    await body.readUpTo(detectionLimit);
    if (file.size > detectionLimit) throw refuse.fileTooLarge(deps.limits.forFile({ processed: true, kind: shown.kind }));
  }
  const image = detected !== undefined && deps.images.accepts(detected);
  const av = !image && detected !== undefined && deps.av?.accepts(detected) === true;
  const type = detected && !image ? carrierTypeFor(detected) : undefined;
  if (!detected || (!image && !av && !type)) throw refuseType(detected, shown);
  const avKind = detected.mime.startsWith('audio/') ? ('audio' as const) : ('video' as const);
  seen.kind = image ? 'image' : av ? avKind : type!.kind;
  // Without a converter, a carrier type is held to the endpoint's limit for it, as any file stored as sent.
  const converted = av && (deps.av!.converts || !type);
  const limit = deps.limits.forFile(image ? { processed: true, kind: 'image' } : converted ? { processed: true, kind: avKind } : { processed: false, type: type! });
  if (declaredSize !== undefined && declaredSize > limit.bytes) throw refuse.fileTooLarge(limit, declaredSize);
  if (av) return { av: true as const, image: false as const, detected, limit }; // the rest goes to the converter as it arrives
  if (image) {
    await body.readUpTo(limit.bytes); // an image is hashed once processed
    if (file.size > limit.bytes) throw refuse.fileTooLarge(limit);
    return { av: false as const, image: true as const, detected };
  }
  // What is put right lies in the first bytes: hash what is held as it will be stored, then the rest as it comes.
  const change = changeWhenStored(detected);
  if (change) await body.readUpTo(change.splice.at + change.splice.remove);
  const hasher = deps.sha256();
  for (const view of spliced(file.views(), change?.splice)) hasher.update(view);
  body.onPiece = (piece) => hasher.update(piece);
  await body.readUpTo(limit.bytes);
  if (file.size > limit.bytes) throw refuse.fileTooLarge(limit);
  return { av: false as const, image: false as const, type: type!, change, sha256: hasher.digestHex() };
}
