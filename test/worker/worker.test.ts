import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { DirectUploadSchema, SendResponseSchema } from '../../src/http/schemas.js';
import * as fx from '../support/fixtures.js';
import { expectError, expectMedia, form } from '../support/http.js';
import { orientationOnly, withExifHeader } from '../../src/lib/image-metadata/exif.js';
import { heicHeader, jpegOfSize, jpegWithExif, noisyPng, tinyGif, webpHeader } from './images.js';
import { fakeSendEndpoint } from './fake-send-endpoint.js';
import { callWorker, fakeNetwork, listBucket, local, workerEnv, type Host } from './support.js';

const ORIGIN = 'https://mms-media.test';
const KEY = 'k_worker';
const upload = (env: ReturnType<typeof workerEnv>, bytes: Uint8Array, query = '') =>
  callWorker(env, `${ORIGIN}/v1/media${query}`, { method: 'POST', body: form({}, [{ filename: 'photo.bin', bytes }]), headers: { 'x-api-key': KEY } });
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());
const sha256Hex = async (b: Uint8Array) => Buffer.from(await crypto.subtle.digest('SHA-256', b)).toString('hex');

describe('configuration: bindings and vars checked at the entry, a 500 naming what is wrong', () => {
  // The worker logs each refusal as an error; keep the test output for failures.
  let quiet: { mockRestore(): void } | undefined;
  beforeAll(() => void (quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined)));
  afterAll(() => quiet?.mockRestore());

  const misconfigured = [
    { name: 'a var that does not parse', env: workerEnv({ API_KEYS: KEY, TELI_TIMEOUT_MS: 'soon' }), says: 'TELI_TIMEOUT_MS must be a whole number from 100 to 120000 (got "soon").' },
    {
      name: 'no R2 binding',
      env: { ...workerEnv({ API_KEYS: KEY }), MEDIA_BUCKET: undefined },
      says: 'MEDIA_BUCKET is not bound: STORAGE_DRIVER=r2 needs an R2 bucket binding named MEDIA_BUCKET ([[r2_buckets]] in wrangler.toml).',
    },
    { name: 'a binding of the wrong kind', env: workerEnv({ API_KEYS: KEY, MEDIA_BUCKET: 'my-bucket' }), says: 'MEDIA_BUCKET is bound to something that is not an R2 bucket: bind it under [[r2_buckets]] in wrangler.toml.' },
    {
      name: 'an IMAGES binding of the wrong kind',
      env: { ...workerEnv({ API_KEYS: KEY }), IMAGES: 'images' },
      says: 'IMAGES is bound to something that is not a Cloudflare Images binding: use [images] binding = "IMAGES" in wrangler.toml, or remove it.',
    },
    {
      name: 'local storage (no disk on Workers)',
      env: workerEnv({ API_KEYS: KEY, STORAGE_DRIVER: 'local' }),
      says: 'STORAGE_DRIVER local needs a disk, which Workers do not have; use r2 (the MEDIA_BUCKET binding) or s3.',
    },
    {
      name: 'S3 without its secrets',
      env: workerEnv({ API_KEYS: KEY, STORAGE_DRIVER: 's3', S3_BUCKET: 'media' }),
      says: 'AWS_ACCESS_KEY_ID is required when STORAGE_DRIVER=s3 on Workers: set it with wrangler secret put AWS_ACCESS_KEY_ID.',
    },
    {
      name: 'no API_KEYS on a public hostname',
      env: workerEnv({}),
      says: 'API_KEYS must be set (wrangler secret put API_KEYS) when the worker is reached at mms-media.test rather than on localhost: without keys anyone could send MMS.',
    },
    {
      name: 'a malformed allowlist entry',
      env: workerEnv({ API_KEYS: KEY, FETCH_ALLOW_PRIVATE_HOSTS: 'files.corp' }),
      says: 'FETCH_ALLOW_PRIVATE_HOSTS: "files.corp" must be exactly host:port (for example files.corp.example:443).',
    },
  ];
  for (const c of misconfigured) {
    it(`answers every route with 500 invalid_configuration for ${c.name}`, async () => {
      for (const path of ['/healthz', '/v1/media', '/media/AAAAAAAAAAAAAAAAAAAAAA.pdf']) {
        const res = await callWorker(c.env, `${ORIGIN}${path}`, { headers: { 'x-api-key': KEY } });
        expect(await expectError(res, 500, 'invalid_configuration')).toBe(`The service is misconfigured: ${c.says}`);
      }
    });
  }

  it('parses with the Node schema, plus what differs on Workers: r2 by default, no local disk, r2 only here', () => {
    expect(parseConfig({}, { runtime: 'workers' })).toMatchObject({ STORAGE_DRIVER: 'r2' });
    expect(parseConfig({ R2_PUBLIC_BASE_URL: 'https://media.example.com' }, { runtime: 'workers' }).R2_PUBLIC_BASE_URL).toBe('https://media.example.com');
    expect(() => parseConfig({ R2_PUBLIC_BASE_URL: 'media.example.com' }, { runtime: 'workers' })).toThrow(/^R2_PUBLIC_BASE_URL must be an http/);
    expect(() => parseConfig({ STORAGE_DRIVER: 'r2' })).toThrow(/^STORAGE_DRIVER r2 \(an R2 binding\) exists only on Cloudflare Workers/);
    expect(parseConfig({}).STORAGE_DRIVER).toBe('local'); // Node's default is unchanged
  });

  it('never echoes a secret in the message', async () => {
    const res = await callWorker(workerEnv({ API_KEYS: KEY, TELI_API_KEY: 'sk-very-secret', TELI_API_BASE_URL: 'nope' }), `${ORIGIN}/healthz`);
    const message = await expectError(res, 500, 'invalid_configuration');
    expect(message).toBe('The service is misconfigured: TELI_API_BASE_URL must be an http:// or https:// URL (got "nope").');
  });

  it('needs no API key on localhost (wrangler dev), as Node needs none on a loopback HOST', async () => {
    const res = await callWorker(workerEnv({}), 'http://localhost:8787/v1/media', { method: 'POST', body: fx.pdf() });
    const media = await expectMedia(res);
    expect(media.url).toBe(`http://localhost:8787/media/${media.id}`);
  });

  it('builds on the first good request, after bad ones, and then keeps what it built', async () => {
    const env = workerEnv({ API_KEYS: KEY, TELI_TIMEOUT_MS: 'soon' });
    await expectError(await callWorker(env, `${ORIGIN}/healthz`), 500, 'invalid_configuration');
    env.TELI_TIMEOUT_MS = '2000'; // a redeploy with the var fixed: a new configuration is read, not a cached failure
    expect(await (await callWorker(env, `${ORIGIN}/healthz`)).json()).toEqual({ status: 'ok' });
    env.TELI_TIMEOUT_MS = 'soon'; // no longer read: the app built for this isolate stays
    expect(await (await callWorker(env, `${ORIGIN}/readyz`)).json()).toEqual({ status: 'ready', media_conversion: 'unavailable' });
  });

  it('reads vars written in wrangler.toml as TOML numbers and booleans (the runtime hands them over as such)', async () => {
    // `TELI_TIMEOUT_MS = 50` and `RATE_LIMIT_PER_MINUTE = 1` under [vars]: a number, not the string "50".
    const tooShort = { ...workerEnv({ API_KEYS: KEY }), TELI_TIMEOUT_MS: 50, S3_FORCE_PATH_STYLE: true };
    expect(await expectError(await callWorker(tooShort, `${ORIGIN}/healthz`), 500, 'invalid_configuration')).toBe(
      'The service is misconfigured: TELI_TIMEOUT_MS must be a whole number from 100 to 120000 (got "50").',
    );
    const limited = { ...workerEnv({ API_KEYS: KEY }), RATE_LIMIT_PER_MINUTE: 1 };
    const list = () => callWorker(limited, `${ORIGIN}/v1/media/AAAAAAAAAAAAAAAAAAAAAA`, { headers: { 'x-api-key': KEY } });
    expect((await list()).status).toBe(404);
    await expectError(await list(), 429, 'rate_limited');
  });

  it('derives its public origin from the request unless PUBLIC_BASE_URL says otherwise', async () => {
    const derived = await expectMedia(await callWorker(workerEnv({ API_KEYS: KEY }), 'https://other.test/v1/media', { method: 'POST', body: fx.pdf(), headers: { 'x-api-key': KEY } }));
    expect(derived.url).toBe(`https://other.test/media/${derived.id}`);
    const env = workerEnv({ API_KEYS: KEY, PUBLIC_BASE_URL: 'https://media.example.com/' });
    const fixed = await expectMedia(await callWorker(env, 'https://other.test/v1/media', { method: 'POST', body: fx.pdf(), headers: { 'x-api-key': KEY } }));
    expect(fixed.url).toBe(`https://media.example.com/media/${fixed.id}`);
    // `PUBLIC_BASE_URL=` in .dev.vars (or "" under [vars]) is unset, as an empty variable is everywhere else.
    const empty = workerEnv({ API_KEYS: KEY, PUBLIC_BASE_URL: '' });
    const derivedAgain = await expectMedia(await callWorker(empty, 'https://other.test/v1/media', { method: 'POST', body: fx.pdf(), headers: { 'x-api-key': KEY } }));
    expect(derivedAgain.url).toBe(`https://other.test/media/${derivedAgain.id}`);
  });
});

describe('R2 with a public bucket domain (R2_PUBLIC_BASE_URL)', () => {
  const env = workerEnv({ API_KEYS: KEY, R2_PUBLIC_BASE_URL: 'https://pub-0123.r2.dev' });

  it('hands out permanent bucket URLs, with the headers R2 will serve stored on the object', async () => {
    const bytes = fx.pdf(2000);
    const res = await callWorker(env, `${ORIGIN}/v1/media`, { method: 'POST', body: form({}, [{ filename: 'brochure.pdf', bytes }]), headers: { 'x-api-key': KEY } });
    const media = await expectMedia(res);
    expect(media).toMatchObject({ url: `https://pub-0123.r2.dev/${media.id}`, expires_at: null });
    const object = await local.MEDIA_BUCKET.get(media.id);
    expect(object!.httpMetadata).toMatchObject({ contentType: 'application/pdf', contentDisposition: 'inline; filename="brochure.pdf"' });
    expect(Buffer.from(await bytesOf(new Response(object!.body))).equals(bytes)).toBe(true);
    // R2 serves them now; the worker's own /media/ route does not.
    expect((await callWorker(env, `${ORIGIN}/media/${media.id}`)).status).toBe(404);
  });
});

describe('images without an Images binding: deliverable ones pass, the rest are refused with 422', () => {
  const env = workerEnv({ API_KEYS: KEY });

  it('stores a JPEG under the 600 KB budget as it is', async () => {
    const bytes = jpegOfSize(500_000);
    const media = await expectMedia(await upload(env, bytes));
    expect(media).toMatchObject({ content_type: 'image/jpeg', size: bytes.length, transformations: [] });
    expect(Buffer.from(await bytesOf(await callWorker(env, media.url))).equals(bytes)).toBe(true);
  });

  it('with Prefer: respond-async answers 202 and stores the image in work the runtime keeps after the answer (waitUntil)', async () => {
    const bytes = jpegOfSize(500_000);
    const ctx = createExecutionContext();
    const init = { method: 'POST', body: form({}, [{ filename: 'photo.bin', bytes }]), headers: { 'x-api-key': KEY, prefer: 'respond-async' } };
    const res = await callWorker(env, `${ORIGIN}/v1/media`, init, ctx);
    const job = (await res.json()) as { status: string; id: string };
    expect({ status: res.status, job: job.status, location: res.headers.get('location') }).toEqual({ status: 202, job: 'processing', location: `/v1/media/${job.id}` });
    await waitOnExecutionContext(ctx);
    const done = await callWorker(env, `${ORIGIN}/v1/media/${job.id}`, { headers: { 'x-api-key': KEY } });
    expect(await done.json()).toMatchObject({ success: true, status: 'ready', media: { id: `${job.id}.jpg`, size: bytes.length } });
  });

  it('cuts EXIF out of a JPEG stored as it is, keeping only the orientation, unless keep_metadata=true', async () => {
    const bytes = jpegWithExif(6, 'GPS 40.7128N 74.0060W');
    const media = await expectMedia(await upload(env, bytes));
    expect(media).toMatchObject({ content_type: 'image/jpeg', transformations: ['strip_metadata'] });
    const served = Buffer.from(await bytesOf(await callWorker(env, media.url)));
    expect(served.includes('40.7128')).toBe(false);
    expect(served.includes(withExifHeader(orientationOnly(6)))).toBe(true);
    expect(served.subarray(-1000).equals(bytes.subarray(-1000))).toBe(true); // the scan, as sent
    const kept = await expectMedia(await upload(env, bytes, '?keep_metadata=true'));
    expect(kept).toMatchObject({ size: bytes.length, transformations: ['keep_metadata:exif'] });
    expect(Buffer.from(await bytesOf(await callWorker(env, kept.url))).equals(bytes)).toBe(true);
  });

  it('cuts a comment out of a GIF stored as it is', async () => {
    const media = await expectMedia(await upload(env, tinyGif('GPS 40.7128N 74.0060W')));
    expect(media).toMatchObject({ content_type: 'image/gif', transformations: ['strip_metadata'] });
    expect(Buffer.from(await bytesOf(await callWorker(env, media.url))).equals(tinyGif())).toBe(true);
  });

  const refused = [
    { name: 'a JPEG over the budget', bytes: () => jpegOfSize(700_000), query: '', says: 'the image is 700 KB, over the 600 KB delivery budget, so it must be made smaller' },
    { name: 'a HEIC photo', bytes: heicHeader, query: '', says: 'carriers do not accept HEIC images, so it must be converted to JPEG' },
    { name: 'a WebP image', bytes: webpHeader, query: '', says: 'carriers do not accept WebP images, so it must be converted to JPEG' },
    { name: 'a PNG with optimize=always', bytes: () => fx.png(4, 4), query: '?optimize=always', says: 'optimize=always asks for the image to be re-encoded' },
  ];
  for (const r of refused) {
    it(`refuses ${r.name}, saying which deployment can handle it, and stores nothing`, async () => {
      const before = await listBucket();
      const message = await expectError(await upload(env, r.bytes(), r.query), 422, 'image_processing_unavailable');
      expect(message).toBe(
        `This image needs work (${r.says}), and this Cloudflare Workers deployment has no image processing: bind Cloudflare Images as IMAGES, or send it through a Node deployment of mms-media (it converts and shrinks images with sharp). A JPEG, PNG or GIF under 600 KB is stored as it is.`,
      );
      expect(await listBucket()).toEqual(before);
    });
  }

  it('keeps an over-budget JPEG as it is only when asked (optimize=off), up to the endpoint’s limit', async () => {
    expect((await expectMedia(await upload(env, jpegOfSize(700_000), '?optimize=off'))).size).toBe(700_000);
    expect(await expectError(await upload(env, heicHeader(), '?optimize=off'), 415, 'unsupported_media_type')).toBe(
      'With optimize=off the file is kept exactly as sent, but carriers do not accept HEIC images. Send it with optimize=auto to have it converted, or send a JPEG, PNG or GIF.',
    );
  });

  it('refuses images over the endpoint’s 5 MB image limit before processing', async () => {
    expect(await expectError(await upload(env, jpegOfSize(5_200_000)), 413, 'file_too_large')).toBe('The file is larger than 5 MB, the limit for images before processing.');
  });
});

describe('images with the Images binding (local emulation)', () => {
  // A small budget keeps the fixtures small; the search is the same at 600 KB.
  const env = workerEnv({ API_KEYS: KEY, IMAGE_TARGET_BYTES: '100000' }, { images: true });

  it('brings a photo over the budget under it as a JPEG, and says what it did', async () => {
    const bytes = noisyPng(400, 300);
    expect(bytes.length).toBeGreaterThan(300_000);
    const media = await expectMedia(await upload(env, bytes));
    expect(media).toMatchObject({ content_type: 'image/jpeg', extension: 'jpg', original: { size: bytes.length, width: 400, height: 300 } });
    expect(media.size).toBeLessThanOrEqual(100_000);
    expect(media.transformations).toContain('convert:png->jpeg');
    const served = await bytesOf(await callWorker(env, media.url));
    expect(served.length).toBe(media.size);
    expect(await sha256Hex(served)).toBe(media.sha256);
    expect([...served.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  });

  it('keeps transparency: a PNG with alpha stays PNG, made smaller', async () => {
    const media = await expectMedia(await upload(env, noisyPng(300, 200, true)));
    expect(media).toMatchObject({ content_type: 'image/png' });
    expect(media.size).toBeLessThanOrEqual(100_000);
    // Made smaller by its dimensions, in proportion, and it says so.
    expect(media.width!).toBeLessThan(300);
    expect(media.height).toBe(Math.round((media.width! * 200) / 300));
    expect(media.transformations).toEqual([`resize:300x200->${media.width}x${media.height}`]);
  });

  it('converts WebP to JPEG', async () => {
    const webp = await local.IMAGES.input(new Blob([noisyPng(120, 80)]).stream()).output({ format: 'image/webp' });
    const bytes = await bytesOf(new Response(webp.image()));
    const media = await expectMedia(await upload(env, bytes));
    expect(media).toMatchObject({ content_type: 'image/jpeg', transformations: expect.arrayContaining(['convert:webp->jpeg']) });
  });

  it('passes a deliverable image through untouched', async () => {
    const bytes = fx.png(20, 20);
    const media = await expectMedia(await upload(env, bytes));
    expect(media).toMatchObject({ content_type: 'image/png', size: bytes.length, transformations: [] });
  });

  it('refuses what Cloudflare Images cannot read, pointing at a Node deployment', async () => {
    const tiff = Buffer.concat([Buffer.from('II*\0', 'latin1'), Buffer.alloc(4000, 0)]);
    expect(await expectError(await upload(env, tiff), 422, 'image_processing_unavailable')).toBe(
      'This image needs work (carriers do not accept TIFF images, so it must be converted to JPEG), and Cloudflare Images cannot read TIFF: send it through a Node deployment of mms-media (it converts TIFF with sharp), or send a JPEG, PNG or GIF.',
    );
  });
});

describe('outbound URLs: the same checks as on Node, before anything is fetched', () => {
  const seen: string[] = [];
  const record = (answer: (req: Request) => Response): Host => async (req) => {
    seen.push(req.url);
    return answer(req);
  };
  const env = workerEnv({ API_KEYS: KEY, FETCH_ALLOW_PRIVATE_HOSTS: '10.0.0.5:8080' });
  let restore: () => void;
  beforeAll(() => {
    restore = fakeNetwork({
      'files.test': record((req) =>
        new URL(req.url).pathname === '/hop'
          ? new Response(null, { status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } })
          : new Response(fx.pdf(), { headers: { 'content-type': 'application/pdf' } }),
      ),
      '10.0.0.5:8080': record(() => new Response(fx.pdf(), { headers: { 'content-type': 'application/pdf' } })),
      'photos.test': record((req) =>
        new URL(req.url).pathname.endsWith('.heic')
          ? new Response(heicHeader(), { headers: { 'content-type': 'image/heic' } })
          : new Response(jpegOfSize(900_000), { headers: { 'content-type': 'image/jpeg' } }),
      ),
    });
  });
  afterAll(() => restore());
  const json = (path: string, body: unknown) =>
    callWorker(env, `${ORIGIN}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', 'x-api-key': KEY } });

  const PRIVATE_FIX = 'Use a URL on the public internet; files inside a private network cannot be fetched by carriers either.';
  const blocked: Array<[string, string, string, string]> = [
    ['http://127.0.0.1/a.pdf', '127.0.0.1', 'loopback', '127.0.0.1 is a loopback address, not a public one'],
    ['http://[::ffff:10.0.0.1]/a.pdf', '::ffff:a00:1', 'ipv4Mapped of private', '::ffff:a00:1 is an IPv4-mapped IPv6 form of a private-network address, not a public one'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254', 'linkLocal', '169.254.169.254 is a link-local address, not a public one'],
    ['http://0.0.0.0:8080/a.pdf', '0.0.0.0', 'unspecified', '0.0.0.0 is an unspecified address, not a public one'],
    ['http://localhost:3000/a.pdf', 'localhost', 'loopback', 'localhost is a loopback name, not a public address'],
    ['http://db.localhost/a.pdf', 'db.localhost', 'loopback', 'db.localhost is a loopback name, not a public address'],
  ];
  for (const [url, address, range, what] of blocked) {
    it(`refuses to import or preflight ${url} without touching the network`, async () => {
      seen.length = 0;
      const error = `${what}: URLs that lead into private networks are never fetched.`;
      const imported = await json('/v1/media', { url });
      expect({ status: imported.status, body: await imported.json() }).toEqual({ status: 422, body: { success: false, code: 'blocked_address', error, address, range } });
      const report = await (await json('/v1/media/preflight', { media_url: url })).json();
      expect(report.problems).toEqual([{ code: 'blocked_address', severity: 'error', message: error, fix: PRIVATE_FIX, rehostable: false }]);
      expect(seen).toEqual([]);
    });
  }

  it('re-checks every redirect hop', async () => {
    seen.length = 0;
    const report = await (await json('/v1/media/preflight', { media_url: 'https://files.test/hop' })).json();
    expect(report).toMatchObject({ ok: false, fetchable: false, redirects: ['http://169.254.169.254/latest/meta-data/'] });
    expect(report.problems).toEqual([
      {
        code: 'blocked_address',
        severity: 'error',
        message: '169.254.169.254 is a link-local address, not a public one: URLs that lead into private networks are never fetched (at redirect http://169.254.169.254/latest/meta-data/).',
        fix: PRIVATE_FIX,
        rehostable: false,
      },
    ]);
    expect(seen).toEqual(['https://files.test/hop']);
  });

  it('does not promise that hosting fixes images it cannot process (no Images binding): the send is refused, not rehosted', async () => {
    const cases = [
      {
        path: '/photo.heic',
        code: 'not_carrier_format',
        message: 'The file is heic (image/heic), which carriers do not accept. Supported: jpg, png, gif (5 MB); mp4, 3gp (10 MB); mp3, wav, ogg (5 MB); pdf (5 MB).',
        fix: 'Convert it first (to one of: jpg, png, gif (5 MB); mp4, 3gp (10 MB); mp3, wav, ogg (5 MB); pdf (5 MB)).',
      },
      {
        path: '/big.jpg',
        code: 'over_image_budget',
        message: 'The image is 900 KB; images over 600 KB often "send" but never arrive on some carriers.',
        fix: 'Resize it under 600 KB before sending it.',
      },
    ];
    for (const { path, code, message, fix } of cases) {
      const report = await (await json('/v1/media/preflight', { media_url: `https://photos.test${path}` })).json();
      // The fix offers no hosting: this deployment could not do it.
      expect(report.problems.filter((p: { severity: string }) => p.severity === 'error')).toEqual([{ code, severity: 'error', message, fix, rehostable: false }]);
      const send = await json('/v1/mms/send', { campaign_id: 'c', phone_number: '+15551234567', media_url: `https://photos.test${path}` });
      expect(await expectError(send, 422, 'media_url_rejected')).toBe(`media_url would not be delivered: ${message} Nothing was sent.`);
    }
  });

  it('imports and preflights a URL carrying a user name and password, fetched without them (not a 500)', async () => {
    const url = 'https://user:s3cret@files.test/brochure.pdf';
    seen.length = 0;
    expect((await expectMedia(await json('/v1/media', { url }))).content_type).toBe('application/pdf');
    const res = await json('/v1/media/preflight', { media_url: url });
    expect(res.status).toBe(200);
    const report = await res.json();
    expect(report.problems.map((p: { code: string }) => p.code)).toEqual(['credentials_in_url', 'no_content_length']);
    expect(report.problems[0]).toEqual({
      code: 'credentials_in_url',
      severity: 'error',
      message: 'The URL carries a user name or password; carriers will not use them, and the message would expose them.',
      fix: 'Remove them and make the file public, or let us host it: send with rehost=auto (the default), or import it with POST /v1/media {"url": …}; the copy needs no credentials.',
      rehostable: true,
    });
    // One fetch for the import, one for the preflight, both without the credentials.
    expect(seen).toEqual(['https://files.test/brochure.pdf', 'https://files.test/brochure.pdf']);
  });

  it('answers URLs on its own origin in-process: a worker cannot fetch its own hostname (this network has no route to it)', async () => {
    const bytes = fx.pdf(3000);
    const own = await expectMedia(await callWorker(env, `${ORIGIN}/v1/media`, { method: 'POST', body: bytes, headers: { 'x-api-key': KEY } }));
    seen.length = 0;
    const report = await (await json('/v1/media/preflight', { media_url: own.url })).json();
    expect(report).toMatchObject({ ok: true, fetchable: true, status: 206, size: bytes.length, problems: [] });
    expect((await expectMedia(await json('/v1/media', { url: own.url }))).sha256).toBe(own.sha256);
    expect(seen).toEqual([]);
  });

  it('imports from a public URL, and from an allowlisted private host:port', async () => {
    expect((await expectMedia(await json('/v1/media', { url: 'https://files.test/brochure.pdf' }))).content_type).toBe('application/pdf');
    expect((await expectMedia(await json('/v1/media', { url: 'http://10.0.0.5:8080/a.pdf' }))).content_type).toBe('application/pdf');
  });
});

describe('STORAGE_DRIVER=s3 on Workers (the S3 API, as R2 offers it), against an S3 emulator started in Node', () => {
  const s3 = inject('s3');
  const env = workerEnv({
    API_KEYS: 'k',
    STORAGE_DRIVER: 's3',
    S3_BUCKET: s3.bucket,
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    MEDIA_URL_TTL_SECONDS: '86400',
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
  });

  it('stores an upload and hands out a presigned URL that serves the same bytes anonymously', async () => {
    const bytes = fx.mp4(300_000);
    const res = await callWorker(env, 'https://mms-media.test/v1/media', { method: 'POST', body: form({}, [{ filename: 'clip.mp4', bytes }]), headers: { 'x-api-key': 'k' } });
    const media = await expectMedia(res);
    // Presigned for MEDIA_URL_TTL_SECONDS from X-Amz-Date; expires_at is that moment.
    const signed = new URL(media.url).searchParams;
    expect(signed.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(signed.get('X-Amz-Expires')).toBe('86400');
    const signedAt = signed.get('X-Amz-Date')!.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z');
    expect(media.expires_at).toBe(new Date(Date.parse(signedAt) + 86_400_000).toISOString());
    const served = await fetch(media.url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);
    expect(await (await callWorker(env, 'https://mms-media.test/readyz')).json()).toEqual({ status: 'ready', media_conversion: 'unavailable' });
  });

  it('gives direct uploads a presigned PUT to the bucket; the PUT goes there, and complete hosts the file', async () => {
    const bytes = new Uint8Array(fx.pdf(100_000));
    const started = await callWorker(env, 'https://mms-media.test/v1/uploads/direct', {
      method: 'POST',
      headers: { 'x-api-key': 'k', 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'notes.pdf', size: bytes.length }),
    });
    expect(started.status).toBe(201);
    const ticket = DirectUploadSchema.parse(await started.json());
    // Straight to the bucket, signed by the worker (SigV4 covering the length), not through the worker.
    expect(ticket.url.startsWith(`${s3.endpoint}/${s3.bucket}/uploads/direct/${ticket.upload_id}`)).toBe(true);
    expect(new URL(ticket.url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host');
    const headers = Object.fromEntries(Object.entries(ticket.headers).filter(([name]) => name !== 'content-length'));
    expect((await fetch(ticket.url, { method: 'PUT', headers, body: bytes })).status).toBe(200);
    const media = await expectMedia(await callWorker(env, `https://mms-media.test/v1/uploads/${ticket.upload_id}/complete`, { method: 'POST', headers: { 'x-api-key': 'k' } }));
    expect(media).toMatchObject({ id: `${ticket.upload_id}.pdf`, content_type: 'application/pdf', size: bytes.length });
    expect(new Uint8Array(await (await fetch(media.url)).arrayBuffer())).toEqual(bytes);
  });
});

describe('the send endpoint is used at the address configured, as on Node', () => {
  // TELI_API_BASE_URL is operator configuration: private and loopback addresses are used as they are, without
  // FETCH_ALLOW_PRIVATE_HOSTS (which governs caller-supplied URLs only). Redirects: the HTTP contract.
  const fields = { campaign_id: 'campaign_abc123', phone_number: '+15551234567' };
  for (const base of ['http://10.1.2.3:8080', 'http://localhost:9000', 'http://127.0.0.1:9000']) {
    it(`sends to ${base}`, async () => {
      const endpoint = fakeSendEndpoint();
      const env = workerEnv({ API_KEYS: KEY, TELI_API_BASE_URL: base, TELI_API_KEY: endpoint.apiKey });
      const restore = fakeNetwork({ [new URL(base).host]: (req) => endpoint.handle(req), 'mms-media.test': (req) => callWorker(env, req) });
      try {
        const pdf = fx.pdf();
        const res = await callWorker(env, `${ORIGIN}/v1/mms/send`, { method: 'POST', body: form(fields, [{ filename: 'a.pdf', bytes: pdf }]), headers: { 'x-api-key': KEY } });
        expect(res.status).toBe(200);
        const body = SendResponseSchema.parse(await res.json());
        expect(body).toMatchObject({ success: true, message: 'MMS sent successfully', ...fields, media_url: body.media!.url });
        expect(endpoint.calls.map((c) => [c.apiKey, c.body])).toEqual([[endpoint.apiKey, { ...fields, media_url: body.media!.url }]]);
        expect(endpoint.calls[0]!.download).toEqual({ status: 200, contentType: 'application/pdf', bytes: new Uint8Array(pdf) });
      } finally {
        restore();
      }
    });
  }
});

describe('sends without TELI_API_KEY are dry runs', () => {
  it('sends nothing and answers with the body a send would get', async () => {
    const env = workerEnv({ API_KEYS: KEY });
    const fields = { campaign_id: 'campaign_abc123', phone_number: '+15551234567' };
    const res = await callWorker(env, `${ORIGIN}/v1/mms/send`, { method: 'POST', body: form(fields, [{ filename: 'a.pdf', bytes: fx.pdf() }]), headers: { 'x-api-key': KEY } });
    expect(res.status).toBe(200);
    const body = SendResponseSchema.parse(await res.json());
    expect(body).toMatchObject({ success: true, dry_run: true, ...fields });
    expect(body.media_url).toBe(body.media!.url);
  });
});
