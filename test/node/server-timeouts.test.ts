import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { DIRECT_UPLOAD_TTL_MS } from '../../src/core/direct-uploads.js';
import { serverTimeouts } from '../../src/node/server-timeouts.js';

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
});
