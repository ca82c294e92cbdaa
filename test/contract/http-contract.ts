/**
 * The HTTP behaviour every deployment must have, whatever runs it (Node with local disk, the Workers entry
 * with R2, …): the same requests, the same answers. A runtime provides a harness; the cases never look
 * inside it. Assertions are on responses, on the bytes an anonymous client gets back, and on what the store
 * holds afterwards.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SendResponseSchema } from '../../src/http/schemas.js';
import * as fx from '../support/fixtures.js';
import { expectError, expectMedia, form, inPieces, lazyBody } from '../support/http.js';

export interface SendEndpointCall {
  apiKey: string | null;
  body: Record<string, unknown>;
  /** What the endpoint got when it downloaded media_url anonymously, as a carrier does. */
  download?: { status: number; contentType: string | null; bytes: Uint8Array };
}

/** A stand-in for the send endpoint that follows its documented contract and downloads media_url. */
export interface SendEndpointStandIn {
  apiKey: string;
  calls: SendEndpointCall[];
  /**
   * What the next sends do: answer normally, fail with a status, hang longer than any timeout, or redirect once to
   * its own address (with `Location: /v1/mms/send`, then answering normally: a client that follows it sends twice).
   */
  mode: { kind: 'ok' } | { kind: 'status'; status: number; body: string } | { kind: 'hang' } | { kind: 'redirect'; status: 301 | 302 | 307 | 308 };
  /** Forgets the calls and answers normally again. */
  reset(): void;
}

export interface HttpHarness {
  /** A request to the service as its runtime delivers one (app.request on Node, the worker's fetch handler). */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** An anonymous client on the network, as a carrier fetching a hosted URL. */
  fetchPublic(url: string, init?: RequestInit): Promise<Response>;
  /** Every name the store holds (files, records, leftovers), to prove a refusal stored nothing. */
  stored(): Promise<string[]>;
  /** Where hosted URLs start (the service's own /media/ when it serves the files). */
  mediaUrlPrefix: string;
  /**
   * The largest upload this deployment takes, of any type, as its refusals say it: the image input limit on Node
   * (images are read whole before they are fitted), the largest carrier file (video) on Workers without Images.
   */
  largestUpload: string;
  /** The key the service was configured with (API_KEYS); sent on every /v1 request of the cases. */
  apiKey: string;
  /** The send endpoint the service was configured with (TELI_API_BASE_URL, TELI_API_KEY, TELI_TIMEOUT_MS ≤ 1000). */
  sendEndpoint: SendEndpointStandIn;
  cleanup(): Promise<void>;
}

/** A literal string inside a RegExp. */
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const sha256 = async (b: Uint8Array) =>
  Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', b)), (x) => x.toString(16).padStart(2, '0')).join('');
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());

export function describeHttpContract(name: string, setup: () => Promise<HttpHarness>): void {
  describe(`HTTP contract: ${name}`, () => {
    let h: HttpHarness;
    beforeAll(async () => {
      h = await setup();
    });
    afterAll(async () => {
      await h?.cleanup();
    });
    afterEach(() => h?.sendEndpoint.reset());

    const authed = (init: RequestInit = {}): RequestInit => ({ ...init, headers: { 'x-api-key': h.apiKey, ...(init.headers as Record<string, string> | undefined) } });
    const upload = (body: FormData | Uint8Array | ReadableStream<Uint8Array>, init: RequestInit & { query?: string } = {}) => {
      const { query = '', ...rest } = init;
      const streamed = body instanceof ReadableStream ? { duplex: 'half' } : {};
      return h.request(`/v1/media${query}`, authed({ method: 'POST', body: body as BodyInit, ...rest, ...streamed } as RequestInit));
    };
    const host = async (bytes: Uint8Array, filename = 'f.bin') => expectMedia(await upload(form({}, [{ filename, bytes }])));

    describe('upload: typed from the bytes, served anonymously', () => {
      const cases = [
        { name: 'png', bytes: fx.png(3, 2), type: 'image/png', ext: 'png', kind: 'image' },
        { name: 'mp4', bytes: fx.mp4(50_000), type: 'video/mp4', ext: 'mp4', kind: 'video' },
        { name: '3gp', bytes: fx.isoMedia('3gp4'), type: 'video/3gpp', ext: '3gp', kind: 'video' },
        // Stored without its tag (keep_metadata is not asked for): the frames alone.
        { name: 'mp3 behind an ID3 tag', bytes: fx.mp3(20, 30_000), stored: fx.mp3(20), type: 'audio/mpeg', ext: 'mp3', kind: 'audio' },
        { name: 'wav', bytes: fx.wav(), type: 'audio/wav', ext: 'wav', kind: 'audio' },
        { name: 'ogg', bytes: fx.ogg(), type: 'audio/ogg', ext: 'ogg', kind: 'audio' },
        { name: 'pdf', bytes: fx.pdf(1000), type: 'application/pdf', ext: 'pdf', kind: 'document' },
      ] as const;
      for (const c of cases) {
        it(`hosts ${c.name} at a URL that serves the same bytes to anyone`, async () => {
          const media = await host(c.bytes, 'upload.bin');
          const stored = 'stored' in c ? c.stored : c.bytes;
          expect(media).toMatchObject({ content_type: c.type, extension: c.ext, kind: c.kind, size: stored.length, sha256: await sha256(stored) });
          expect(media.original).toMatchObject({ filename: 'upload.bin', content_type: 'application/octet-stream', size: c.bytes.length });
          expect(media.id).toMatch(new RegExp(`^[A-Za-z0-9_-]{22}\\.${c.ext}$`)); // 128 random bits, then the type's extension
          expect(media.url).toBe(`${h.mediaUrlPrefix}${media.id}`);
          expect(media.expires_at).toBeNull();
          const served = await h.fetchPublic(media.url);
          expect(served.status).toBe(200);
          expect(served.headers.get('content-type')).toBe(c.type);
          expect(same(await bytesOf(served), stored)).toBe(true);
        });
      }

      it('hashes and stores a file that arrives in many small pieces, the first shorter than the type signature', async () => {
        const bytes = fx.mp4(300_000);
        const media = await expectMedia(await upload(inPieces(bytes, 1000, { first: 7 }), { headers: { 'content-type': 'video/mp4' } }));
        expect(media).toMatchObject({ content_type: 'video/mp4', size: bytes.length, sha256: await sha256(bytes) });
        expect(same(await bytesOf(await h.fetchPublic(media.url)), bytes)).toBe(true);
      });

      it('hosts an M4V as the MP4 it is, its brand saying so too', async () => {
        const bytes = fx.isoMedia('M4V ', 20_000);
        const media = await host(bytes, 'clip.m4v');
        const stored = Buffer.from(bytes);
        stored.write('isom', 8, 'latin1'); // the major brand; nothing else changes
        expect(media).toMatchObject({ content_type: 'video/mp4', extension: 'mp4', kind: 'video', size: bytes.length, sha256: await sha256(stored), transformations: ['rebrand:m4v->mp4'] });
        expect(media.original).toMatchObject({ filename: 'clip.m4v', size: bytes.length });
        expect(same(await bytesOf(await h.fetchPublic(media.url)), stored)).toBe(true);
      });

      it('takes a raw body, ignoring the declared type and the name, which stays data only', async () => {
        const media = await expectMedia(await upload(fx.png(), { headers: { 'content-type': 'application/pdf' }, query: '?filename=..%2F..%2Fetc%2Fpasswd.pdf' }));
        expect(media).toMatchObject({ content_type: 'image/png', extension: 'png' });
        expect(media.original).toMatchObject({ filename: '../../etc/passwd.pdf', content_type: 'application/pdf' });
        expect((await h.fetchPublic(media.url)).headers.get('content-disposition')).toBe('inline; filename="passwd.png"');
      });
    });

    describe('refusals, each with its status and code, storing nothing', () => {
      const supported = 'Supported: jpg, png, gif (5 MB); mp4, 3gp (10 MB); mp3, wav, ogg (5 MB); pdf (5 MB).';
      const unrecognised = `The type of this file could not be recognised from its contents (text, HTML and SVG are not accepted). ${supported}`;
      const notAccepted = (what: string) => `This file is ${what}, which the send endpoint does not accept. ${supported}`;
      const refusals = [
        { name: 'HTML named .jpg', bytes: fx.html(), filename: 'photo.jpg', status: 415, code: 'unsupported_media_type', says: unrecognised },
        { name: 'SVG named .jpg', bytes: fx.svg(), filename: 'photo.jpg', status: 415, code: 'unsupported_media_type', says: unrecognised },
        { name: 'an executable', bytes: fx.exe(), filename: 'photo.jpg', status: 415, code: 'unsupported_media_type', says: notAccepted('exe (application/x-msdownload)') },
        { name: 'a zip named .pdf', bytes: fx.zip(), filename: 'brochure.pdf', status: 415, code: 'unsupported_media_type', says: notAccepted('zip (application/zip)') },
        { name: 'a BMP image', bytes: fx.bmp(), filename: 'scan.bmp', status: 415, code: 'unsupported_media_type', says: 'This file is an image in BMP format (image/bmp): carriers do not accept it, and it is not converted here. Save it as JPEG or PNG and send it again.' },
        { name: 'an empty file', bytes: new Uint8Array(0), filename: 'empty.png', status: 422, code: 'empty_file', says: 'The file is empty: there is nothing to send.' },
        {
          name: 'an MP4 whose recording stopped before its index was written',
          bytes: fx.interruptedRecording(),
          filename: 'clip.mp4',
          status: 422,
          code: 'unplayable_media',
          says: 'This MP4 has no moov box (the index a player needs): it was probably cut short while recording or uploading. Send the whole file again.',
        },
        { name: 'a WAV without samples', bytes: fx.wav(0), filename: 'voice.wav', status: 422, code: 'unplayable_media', says: "This WAV file's data chunk is empty: it holds no samples, so there is no sound to play. Export or record it again." },
      ];
      for (const r of refusals) {
        it(`refuses ${r.name} (${r.status} ${r.code})`, async () => {
          const before = await h.stored();
          const message = await expectError(await upload(form({}, [{ filename: r.filename, bytes: r.bytes, type: 'image/jpeg' }])), r.status, r.code);
          expect(message).toBe(r.says);
          expect(await h.stored()).toEqual(before);
        });
      }

      it('refuses a form without a file, two files, and a truncated body', async () => {
        const before = await h.stored();
        expect(await expectError(await upload(form({ note: 'no file here' })), 400, 'no_file')).toBe(
          'No file was sent: add a multipart part named "file", or send the file as the raw body.',
        );
        expect(await expectError(await upload(form({}, [{ filename: 'a.png', bytes: fx.png() }, { filename: 'b.png', bytes: fx.png() }])), 400, 'too_many_files')).toBe(
          'Send exactly one file per request; this one has more than one "file" part.',
        );
        const truncated = new TextEncoder().encode('--XYZ\r\ncontent-disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.4 and then nothing');
        expect(await expectError(await upload(truncated, { headers: { 'content-type': 'multipart/form-data; boundary=XYZ' } }), 400, 'malformed_multipart')).toBe(
          'The multipart body could not be read: The form data ended before its closing boundary; the upload may have been cut off.',
        );
        expect(await h.stored()).toEqual(before);
      });

      it('refuses /v1 without the key, and with a wrong one; files, health and the API document stay open', async () => {
        expect(await expectError(await h.request('/v1/media', { method: 'POST', body: fx.pdf() }), 401, 'missing_api_key')).toBe('Send your API key in the X-API-Key header.');
        const wrongKey = await h.request('/v1/media', { method: 'POST', body: fx.pdf(), headers: { 'x-api-key': `${h.apiKey}x` } });
        expect(await expectError(wrongKey, 401, 'invalid_api_key')).toBe('The API key in X-API-Key is not valid.');
        const pdf = fx.pdf();
        const media = await host(pdf);
        const served = await h.fetchPublic(media.url);
        expect(served.status).toBe(200);
        expect(same(await bytesOf(served), pdf)).toBe(true);
        expect(await (await h.request('/healthz')).json()).toEqual({ status: 'ok' });
        // Neither entry of the contract converts video or audio (see test/http/contract.test.ts): /readyz says so.
        expect(await (await h.request('/readyz')).json()).toEqual({ status: 'ready', media_conversion: 'unavailable' });
        expect((await (await h.request('/openapi.json')).json()).openapi).toBe('3.1.0');
      });
    });

    describe('limits', () => {
      it('refuses a declared Content-Length over every limit before reading the body', async () => {
        const { stream, state } = lazyBody(50_000_000);
        const message = await expectError(await upload(stream, { headers: { 'content-length': '50000000' } }), 413, 'file_too_large');
        expect(message).toBe(`The file is 50 MB; nothing larger than ${h.largestUpload} is accepted.`);
        expect(state.pulled).toBeLessThan(1_000_000);
      });

      it('stops reading a file over its type’s limit as soon as the limit is passed, storing nothing', async () => {
        const before = await h.stored();
        const { stream, state } = lazyBody(30_000_000, 64 * 1024, fx.pdf());
        expect(await expectError(await upload(stream), 413, 'file_too_large')).toBe('The file is larger than 5 MB, the limit for pdf files.');
        expect(state.pulled).toBeLessThan(7_000_000);
        expect(await h.stored()).toEqual(before);
      });

      it('takes a video as sent (optimize=off) up to 10 MB but not beyond', async () => {
        const off = { query: '?optimize=off' };
        expect((await expectMedia(await upload(form({}, [{ filename: 'v.mp4', bytes: fx.mp4(9_900_000) }]), off))).size).toBe(9_900_000);
        expect(await expectError(await upload(form({}, [{ filename: 'v.mp4', bytes: fx.mp4(10_000_001) }]), off), 413, 'file_too_large')).toBe(
          'The file is larger than 10 MB, the limit for mp4 files.',
        );
      });

      it('refuses video that needs converting where nothing converts it (422 media_processing_unavailable), storing nothing', async () => {
        const before = await h.stored();
        const needs = 'This file needs converting (it is QuickTime (MOV), which must be converted to MP4 (video) or MP3 (audio) for carriers to take it), and ';
        expect(await expectError(await upload(form({}, [{ filename: 'clip.mp4', bytes: fx.isoMedia('qt  ') }])), 422, 'media_processing_unavailable')).toMatch(new RegExp(`^${escape(needs)}`));
        const big = await expectError(await upload(form({}, [{ filename: 'v.mp4', bytes: fx.mp4(700_000) }])), 422, 'media_processing_unavailable');
        expect(big).toMatch(/^This file needs converting \(it is 700 KB, over the 600 KB delivery budget, so it must be re-encoded smaller\), and .* An MP4 \(H\.264 and AAC\) or MP3 under 600 KB is stored as it is\.$/);
        expect(await h.stored()).toEqual(before);
      });
    });

    describe('hosted files: headers, HEAD, ranges, lifecycle', () => {
      it('serves the headers gateways need, and answers HEAD, ranges and If-None-Match', async () => {
        const bytes = fx.mp4(10_000);
        const media = await host(bytes, 'clip.mp4');
        const head = await h.fetchPublic(media.url, { method: 'HEAD' });
        expect(head.status).toBe(200);
        expect(Object.fromEntries(head.headers)).toMatchObject({
          'content-type': 'video/mp4',
          'content-length': String(bytes.length),
          'accept-ranges': 'bytes',
          'x-content-type-options': 'nosniff',
          'content-disposition': 'inline; filename="clip.mp4"',
        });
        expect(head.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
        const part = await h.fetchPublic(media.url, { headers: { range: 'bytes=100-199' } });
        expect(part.status).toBe(206);
        expect(part.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
        expect(same(await bytesOf(part), bytes.subarray(100, 200))).toBe(true);
        expect(same(await bytesOf(await h.fetchPublic(media.url, { headers: { range: 'bytes=-10' } })), bytes.subarray(-10))).toBe(true);
        const beyond = await h.fetchPublic(media.url, { headers: { range: `bytes=${bytes.length + 5}-` } });
        expect(beyond.status).toBe(416);
        expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
        expect((await h.fetchPublic(media.url, { headers: { 'if-none-match': head.headers.get('etag')! } })).status).toBe(304);
      });

      it('GET returns the same media object; DELETE stops the URL serving and leaves nothing', async () => {
        const media = await host(fx.wav(), 'voice.wav');
        expect(await expectMedia(await h.request(`/v1/media/${media.id}`, authed()), 200)).toEqual(media);
        expect((await h.request(`/v1/media/${media.id}`, authed({ method: 'DELETE' }))).status).toBe(204);
        expect((await h.fetchPublic(media.url)).status).toBe(404);
        expect(await expectError(await h.request(`/v1/media/${media.id}`, authed()), 404, 'media_not_found')).toBe(
          `No media with id "${media.id}" exists (it may have been deleted).`,
        );
        expect(await expectError(await h.request('/v1/media/..%2F..%2Fetc', authed()), 404, 'media_not_found')).toBe('No media with id "../../etc" exists (it may have been deleted).');
        expect((await h.stored()).filter((k) => k.includes(media.id))).toEqual([]);
      });
    });

    describe('send', () => {
      const fields = { campaign_id: 'campaign_abc123', phone_number: '+15551234567', message: 'Here it is' };
      const send = (body: FormData | object) =>
        h.request(
          '/v1/mms/send',
          authed(body instanceof FormData ? { method: 'POST', body } : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
        );

      it('hosts a file, sends its URL, and the endpoint downloads the same bytes anonymously', async () => {
        const bytes = fx.mp3(40);
        const res = await send(form(fields, [{ filename: 'voice note.mp3', bytes }]));
        expect(res.status).toBe(200);
        const body = SendResponseSchema.parse(await res.json());
        expect(body.media).toMatchObject({ content_type: 'audio/mpeg', kind: 'audio', size: bytes.length, sha256: await sha256(bytes) });
        const [call, ...more] = h.sendEndpoint.calls;
        expect(more).toEqual([]);
        expect(call!.apiKey).toBe(h.sendEndpoint.apiKey);
        expect(call!.body).toEqual({ ...fields, media_url: body.media!.url });
        expect(call!.download!.status).toBe(200);
        expect(call!.download!.contentType).toBe('audio/mpeg');
        expect(same(call!.download!.bytes, bytes)).toBe(true);
      });

      it('forwards JSON with a hosted media_url, normalising the number', async () => {
        const pdf = fx.pdf();
        const media = await host(pdf);
        const res = await send({ ...fields, phone_number: '(555) 123-4567', media_url: media.url });
        expect(res.status).toBe(200);
        expect(SendResponseSchema.parse(await res.json())).toMatchObject({ success: true, message: 'MMS sent successfully', phone_number: '+15551234567', media_url: media.url });
        expect(h.sendEndpoint.calls.map((c) => c.body)).toEqual([{ ...fields, media_url: media.url }]);
        const download = h.sendEndpoint.calls[0]!.download!;
        expect({ status: download.status, contentType: download.contentType }).toEqual({ status: 200, contentType: 'application/pdf' });
        expect(same(download.bytes, pdf)).toBe(true);
      });

      it('refuses bad fields before storing or sending anything', async () => {
        const before = await h.stored();
        expect(await expectError(await send(form({ campaign_id: 'c', phone_number: 'nope' }, [{ filename: 'a.pdf', bytes: fx.pdf() }])), 400, 'invalid_phone_number')).toBe(
          '"nope" is not a phone number. Use E.164, for example +15551234567 (US numbers may omit +1).',
        );
        expect(await expectError(await send({ phone_number: '+15551234567', media_url: 'https://example.com/a.pdf' }), 400, 'missing_field')).toBe('Missing required field: campaign_id');
        expect(await expectError(await send({ campaign_id: 'c', phone_number: '+15551234567', media_url: 'ftp://example.com/a.pdf' }), 400, 'invalid_media_url')).toBe(
          'media_url must be a valid HTTP/HTTPS URL',
        );
        const badJson = await h.request('/v1/mms/send', authed({ method: 'POST', body: '{"campaign_id":', headers: { 'content-type': 'application/json' } }));
        expect(await expectError(badJson, 400, 'invalid_json')).toBe('The request body is not valid JSON.');
        const text = await h.request('/v1/mms/send', authed({ method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } }));
        expect(await expectError(text, 415, 'unsupported_content_type')).toBe('Send JSON (campaign_id, phone_number, media_url, message) or multipart/form-data with a "file" part.');
        expect(await h.stored()).toEqual(before);
        expect(h.sendEndpoint.calls).toEqual([]);
      });

      it('answers 502 with the hosted media when the endpoint fails, and does not retry', async () => {
        h.sendEndpoint.mode = { kind: 'status', status: 503, body: '<html>Service Unavailable</html>' };
        const res = await send(form(fields, [{ filename: 'a.pdf', bytes: fx.pdf() }]));
        const body = await res.json();
        expect(res.status).toBe(502);
        expect(body).toEqual({
          success: false,
          code: 'upstream_unavailable',
          error: `The send endpoint failed (HTTP 503); the message may not have been sent. Retry with media.url (${body.media.id}) instead of uploading again.`,
          upstream_status: 503,
          upstream: { success: false, error: '<html>Service Unavailable</html>' }, // not JSON: passed on as text
          media: body.media,
        });
        expect(body.media.url).toBe(`${h.mediaUrlPrefix}${body.media.id}`);
        expect((await h.fetchPublic(body.media.url)).status).toBe(200);
        expect(h.sendEndpoint.calls.map((c) => c.body)).toEqual([{ ...fields, media_url: body.media.url }]);
      });

      for (const status of [301, 307] as const) {
        it(`does not follow a ${status} redirect from the endpoint: 502 with the hosted media, one call`, async () => {
          h.sendEndpoint.mode = { kind: 'redirect', status };
          const res = await send(form(fields, [{ filename: 'a.pdf', bytes: fx.pdf() }]));
          const body = await res.json();
          expect({ status: res.status, code: body.code, upstream_status: body.upstream_status }).toEqual({ status: 502, code: 'upstream_unavailable', upstream_status: status });
          expect(body.error).toBe(`The send endpoint failed (HTTP ${status}); the message may not have been sent. Retry with media.url (${body.media.id}) instead of uploading again.`);
          expect(h.sendEndpoint.calls.map((c) => c.body)).toEqual([{ ...fields, media_url: body.media.url }]);
        });
      }

      it('replays a repeat with the same Idempotency-Key instead of sending again; refuses the key for another request', async () => {
        const once = (message: string) => h.request('/v1/mms/send', authed({ method: 'POST', body: form({ ...fields, message }, [{ filename: 'a.pdf', bytes: fx.pdf(3000) }]), headers: { 'idempotency-key': 'contract-send-1' } }));
        const first = await once('Here it is');
        const firstBody = await first.json();
        expect(first.status).toBe(200);
        const stored = await h.stored();
        const again = await once('Here it is');
        expect(again.headers.get('idempotent-replayed')).toBe('true');
        expect(await again.json()).toEqual(firstBody);
        const sentOnce = [{ ...fields, media_url: firstBody.media.url }];
        expect(h.sendEndpoint.calls.map((c) => c.body)).toEqual(sentOnce);
        expect(await h.stored()).toEqual(stored);
        expect(await expectError(await once('Something else'), 422, 'idempotency_key_reused')).toBe(
          'This Idempotency-Key was used for a different request; use a new key for a new request.',
        );
        expect(h.sendEndpoint.calls.map((c) => c.body)).toEqual(sentOnce);
      });

      it('answers 504 when the endpoint does not answer in time, once', async () => {
        h.sendEndpoint.mode = { kind: 'hang' };
        const res = await send(form(fields, [{ filename: 'a.pdf', bytes: fx.pdf() }]));
        const body = await res.json();
        expect({ status: res.status, code: body.code }).toEqual({ status: 504, code: 'upstream_timeout' });
        // The harness sets TELI_TIMEOUT_MS (at most 1000 ms); the sentence names it.
        expect(body.error).toMatch(/^The send endpoint did not answer within \d{3,4} ms; the message may or may not have been sent\.$/);
        expect(body.media.url).toBe(`${h.mediaUrlPrefix}${body.media.id}`);
        expect(h.sendEndpoint.calls.map((c) => c.body)).toEqual([{ ...fields, media_url: body.media.url }]);
      });
    });
  });
}
