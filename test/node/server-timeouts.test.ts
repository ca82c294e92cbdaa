import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { DIRECT_UPLOAD_TTL_MS } from '../../src/core/direct-uploads.js';
import { MediaStatusResponseSchema } from '../../src/http/schemas.js';
import { limitRequests, serverTimeouts } from '../../src/node/server-timeouts.js';
import { startTestApp } from '../support/app.js';
import { startCuttingProxy } from '../support/cutting-proxy.js';
import { pdf } from '../support/fixtures.js';
import { settledUpload, tusUpload } from '../support/tus.js';
describe("the Node server's own request limits", () => {
  it("let a direct upload's PUT to the service (local driver) last its URL's whole lifetime, whatever BODY_TIMEOUT_MS says", () => {
    for (const BODY_TIMEOUT_MS of ['30000', '1000', '600000']) {
      const { headersTimeout, requestTimeout } = serverTimeouts(parseConfig({ BODY_TIMEOUT_MS, HEADERS_TIMEOUT_MS: '10000' }));
      expect(headersTimeout).toBe(10_000);
      // A PUT's body may take DIRECT_UPLOAD_TTL_MS from whenever it starts (its deadline in the app).
      expect(requestTimeout).toBeGreaterThan(headersTimeout + DIRECT_UPLOAD_TTL_MS);
    }
  });

  it('with S3, where those PUTs go to the bucket, end any request soon after BODY_TIMEOUT_MS', () => {
    const config = parseConfig({ STORAGE_DRIVER: 's3', S3_BUCKET: 'media', BODY_TIMEOUT_MS: '30000', HEADERS_TIMEOUT_MS: '10000' });
    expect(serverTimeouts(config).requestTimeout).toBe(45_000);
  });

  it('cut a tus PATCH that outlasts them, which the client resumes (a 408 would end its upload)', async () => {
    const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
    const proxy = await startCuttingProxy();
    // Node looks for requests past their time every 50 ms here, instead of every 30 s.
    const t = await startTestApp((baseUrl) => ((proxy.targetPort = Number(new URL(baseUrl).port)), { PUBLIC_BASE_URL: proxy.url }), {}, { connectionsCheckingInterval: 50 });
    try {
      limitRequests(t.server, { headersTimeout: 500, requestTimeout: 1_000 });
      const input = pdf(1_000_000);
      // The first PATCH stalls after 100 KB, its connection open, as on a phone that lost its signal; the next go through.
      proxy.holdAfter = 100_000;
      const handle = t.deps.resumable!.handle.bind(t.deps.resumable);
      vi.spyOn(t.deps.resumable!, 'handle').mockImplementation((request, hooks) => {
        if (request.method === 'PATCH') proxy.holdAfter = null;
        return handle(request, hooks);
      });
      const up = await tusUpload(`${proxy.url}/v1/uploads`, input, { metadata: { filename: 'menu.pdf' } });
      expect(up.resumedFrom).toHaveLength(1);
      expect(up.resumedFrom[0]).toBeGreaterThan(100_000);
      const body = MediaStatusResponseSchema.parse(await (await settledUpload(proxy.url, up.id)).json());
      if (body.status !== 'ready') throw new Error(`still ${body.status}`);
      expect(sha256(new Uint8Array(await (await fetch(body.media.url)).arrayBuffer()))).toBe(sha256(input));
    } finally {
      await t.close();
      await proxy.close();
    }
  });
});
