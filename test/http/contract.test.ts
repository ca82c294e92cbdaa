import { join } from 'node:path';
import { describeHttpContract, type SendEndpointStandIn } from '../contract/http-contract.js';
import { NoAvProcessing } from '../../src/adapters/no-av.js';
import { startTestApp } from '../support/app.js';
import { startFakeTeli, type FakeTeli } from '../support/fake-teli.js';
import { filesIn } from '../support/http.js';

// The same HTTP cases the Workers entry passes (test/worker/http.test.ts), on Node with local disk. Workers have no
// ffmpeg, so this Node instance runs without it too (the stand-in that lets deliverable video and audio pass):
// what ffmpeg does is tested in test/av/.
describeHttpContract('Node entry on local disk', async () => {
  const teli = await startFakeTeli();
  const t = await startTestApp((baseUrl) => ({
    API_KEYS: 'k_node',
    TELI_API_BASE_URL: teli.baseUrl,
    TELI_API_KEY: teli.apiKey,
    TELI_TIMEOUT_MS: '500',
    // The hosted URLs live on this loopback test server: let the URL checks reach it, and nothing else.
    FETCH_ALLOW_PRIVATE_HOSTS: new URL(baseUrl).host,
  }), { av: new NoAvProcessing({ budgetBytes: 600_000, where: 'node' }) });
  return {
    request: async (path, init) => t.app.request(path, init),
    fetchPublic: (url, init) => fetch(url, init),
    stored: () => filesIn(join(t.dir, 'media')),
    mediaUrlPrefix: `${t.baseUrl}/media/`,
    apiKey: 'k_node',
    largestUpload: '25 MB', // IMAGE_MAX_INPUT_BYTES's default
    sendEndpoint: standIn(teli),
    cleanup: async () => {
      await t.close();
      await teli.close();
    },
  };
});

/** fake-teli seen through the contract's interface. */
function standIn(teli: FakeTeli): SendEndpointStandIn {
  return {
    apiKey: teli.apiKey,
    get calls() {
      return teli.calls.map((c) => ({ apiKey: (c.headers['x-api-key'] as string | undefined) ?? null, body: c.body, download: c.download }));
    },
    get mode() {
      return teli.mode;
    },
    set mode(mode) {
      teli.mode = mode;
    },
    reset() {
      teli.calls.length = 0;
      teli.mode = { kind: 'ok' };
    },
  };
}
