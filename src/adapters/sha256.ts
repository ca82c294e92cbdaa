import { createHash } from 'node:crypto'; // on Workers under nodejs_compat: the same incremental hash as on Node (see docs/workers.md)
import type { Hasher } from '../core/ports.js';

/** An incremental SHA-256, for media checksums and idempotency fingerprints; the same on Node and Workers. */
export function sha256(): Hasher {
  const hash = createHash('sha256');
  return { update: (chunk) => void hash.update(chunk), digestHex: () => hash.digest('hex') };
}
