import type { MiddlewareHandler } from 'hono';
import { AppError } from '../core/errors.js';
import type { IdempotencyRecords } from '../core/idempotency.js';
import type { Hasher, Logger } from '../core/ports.js';
import type { AppEnv } from './deps.js';
import { emptyStream } from '../core/streams.js';
import { replaceBody } from './limits.js';
import { getMultipartBoundary } from '../lib/multipart.js';
import { find, skipTable } from '../lib/byte-search.js';

const KEY = /^[\x21-\x7e]{1,255}$/;
/** After the handler stops reading (a form's closing boundary), what is left is read into the fingerprint up to this. */
const TAIL_BYTES = 64 * 1024;

/**
 * `Idempotency-Key` for POSTs that send or store. The first request claims the key; a repeat of the same
 * request gets the first reply again (`Idempotent-Replayed: true`) and nothing is sent or stored twice; the
 * same key with another request is 422; a repeat while the first still runs is 409. Keys are scoped to the
 * caller's API key. Replies that changed nothing (4xx, 503…) release the key so the request can be retried;
 * a 502/504 from the send endpoint (upstream_*) is kept, because that send may have reached the customer.
 */
export function idempotency(records: IdempotencyRecords, sha256: () => Hasher, maxBodyBytes: number, logger: Logger): MiddlewareHandler<AppEnv> {
  const release = (key: string) =>
    records.release(key).catch((err: unknown) => logger.error('idempotency record not released', { error: String(err) }));
  return async (c, next) => {
    const given = c.req.header('idempotency-key');
    if (given === undefined) return next();
    if (!KEY.test(given)) throw new AppError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1–255 visible ASCII characters.');
    const scope = sha256();
    scope.update(new TextEncoder().encode(`${c.req.header('x-api-key') ?? ''}\n${given}`));
    const key = scope.digestHex();

    const fingerprint = requestFingerprint(c.req.raw, sha256);
    const existing = await records.claim(key, { state: 'in_flight', created_at: Date.now() }).catch((err: unknown) => {
      logger.error('idempotency records unavailable', { error: String(err) });
      throw new AppError(503, 'storage_unavailable', 'Storage cannot be reached right now, so this Idempotency-Key cannot be checked; nothing was done. Try again in a few seconds.', {
        headers: { 'retry-after': '5' },
      });
    });
    if (existing?.state === 'in_flight') {
      throw new AppError(409, 'idempotency_in_flight', 'A request with this Idempotency-Key is still being processed; wait for its reply.', {
        headers: { 'retry-after': '1' },
      });
    }
    if (existing) {
      const repeat = await fingerprint.readAll(c.req.raw.body, maxBodyBytes);
      if (repeat !== existing.fingerprint) {
        throw new AppError(422, 'idempotency_key_reused', 'This Idempotency-Key was used for a different request; use a new key for a new request.');
      }
      return new Response(existing.body ?? null, {
        status: existing.status,
        headers: { 'content-type': existing.content_type ?? 'application/json', 'idempotent-replayed': 'true' },
      });
    }

    c.req.raw = replaceBody(c.req.raw, fingerprint.tap(c.req.raw.body));
    try {
      await next();
    } catch (err) {
      await release(key);
      throw err;
    }
    const status = c.res.status;
    // Not any 502: Cloudflare Images failing (image_service_error) stored and sent nothing, and says to try again.
    const maybeSent = (status === 502 || status === 504) && c.get('errorCode')?.startsWith('upstream_') === true;
    if (status < 300 || maybeSent) {
      const reply = c.res.clone();
      // The work is done: if its reply cannot be kept, say so in the log but still answer with it. The claim
      // then holds the key until its lease ends, so a repeat meanwhile gets 409, never a second send.
      await records
        .finish(key, {
          state: 'done',
          created_at: Date.now(),
          fingerprint: await fingerprint.done(),
          status,
          content_type: reply.headers.get('content-type') ?? undefined,
          body: await reply.text(),
        })
        .catch((err: unknown) => logger.error('idempotency reply not kept', { error: String(err) }));
    } else {
      await release(key);
    }
  };
}

/**
 * A hash of what a request asks for: method, path and query, media type, and the body with any multipart
 * boundary taken out (clients pick a new random boundary for every request, even a repeat).
 */
function requestFingerprint(request: Request, sha256: () => Hasher) {
  const url = new URL(request.url);
  const contentType = request.headers.get('content-type') ?? '';
  const hash = sha256();
  const enc = new TextEncoder();
  hash.update(enc.encode(`${request.method} ${url.pathname}?${[...url.searchParams].sort().join('&')}\n${contentType.split(';')[0]!.trim().toLowerCase()}\n`));
  const strip = boundaryStripper(getMultipartBoundary(contentType), (bytes) => hash.update(bytes));
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let settled = false;

  /** Hashes what the handler left unread (a form's epilogue, say), up to TAIL_BYTES, then lets the body go. */
  const drainTail = async (reason?: unknown) => {
    if (settled || !reader) return;
    settled = true;
    let left = TAIL_BYTES;
    try {
      for (let r = await reader.read(); !r.done && left > 0; r = await reader.read()) {
        strip.push(r.value);
        left -= r.value.length;
      }
    } catch {
      // the client went away: the fingerprint is what arrived
    }
    strip.end();
    await reader.cancel(reason).catch(() => undefined);
  };

  return {
    /** The body, hashed as the handler reads it. */
    tap(body: ReadableStream<Uint8Array> | null): ReadableStream<Uint8Array> {
      const source = (reader = (body ?? emptyStream()).getReader());
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            const r = await source.read();
            if (r.done) {
              settled = true;
              strip.end();
              controller.close();
            } else {
              strip.push(r.value);
              controller.enqueue(r.value);
            }
          } catch (err) {
            settled = true;
            controller.error(err);
          }
        },
        cancel: (reason) => drainTail(reason),
      });
    },
    async done(): Promise<string> {
      await drainTail();
      return hash.digestHex();
    },
    /** Hashes a whole repeat body (up to `max` bytes) without keeping it. */
    async readAll(body: ReadableStream<Uint8Array> | null, max: number): Promise<string> {
      let total = 0;
      if (body) {
        const reader = body.getReader();
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          total += r.value.length;
          if (total > max) {
            await reader.cancel();
            return 'too-large';
          }
          strip.push(r.value);
        }
      }
      strip.end();
      return hash.digestHex();
    },
  };
}

/** Feeds `out` the bytes with every occurrence of `boundary` replaced by a fixed marker, across chunk edges. */
function boundaryStripper(boundary: string | null, out: (bytes: Uint8Array) => void) {
  if (!boundary) return { push: out, end: () => undefined };
  const needle = new TextEncoder().encode(boundary);
  const skip = skipTable(needle);
  const marker = new TextEncoder().encode('\u0000boundary\u0000');
  let carry = new Uint8Array(0);
  return {
    push(chunk: Uint8Array) {
      const data = new Uint8Array(carry.length + chunk.length);
      data.set(carry);
      data.set(chunk, carry.length);
      let from = 0;
      for (let hit = find(data, needle, skip, from); hit?.complete; hit = find(data, needle, skip, from)) {
        out(data.subarray(from, hit.at));
        out(marker);
        from = hit.at + needle.length;
      }
      const keep = Math.min(needle.length - 1, data.length - from);
      out(data.subarray(from, data.length - keep));
      carry = data.slice(data.length - keep);
    },
    end() {
      out(carry);
      carry = new Uint8Array(0);
    },
  };
}
