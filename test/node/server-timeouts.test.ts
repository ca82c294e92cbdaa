import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { DIRECT_UPLOAD_TTL_MS } from '../../src/core/direct-uploads.js';
import { serverTimeouts } from '../../src/node/server-timeouts.js';

describe("the Node server's own request limits", () => {
  it('let a direct upload PUT last its URL\'s whole lifetime, whatever BODY_TIMEOUT_MS says', () => {
    for (const BODY_TIMEOUT_MS of ['30000', '1000', '600000']) {
      const config = parseConfig({ BODY_TIMEOUT_MS, HEADERS_TIMEOUT_MS: '10000' });
      const { headersTimeout, requestTimeout } = serverTimeouts(config);
      expect(headersTimeout).toBe(10_000);
      // A PUT's body may take DIRECT_UPLOAD_TTL_MS from whenever it starts (its deadline in the app).
      expect(requestTimeout).toBeGreaterThan(headersTimeout + DIRECT_UPLOAD_TTL_MS);
    }
  });
});
