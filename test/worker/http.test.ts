import { describeHttpContract } from '../contract/http-contract.js';
import { fakeSendEndpoint } from './fake-send-endpoint.js';
import { callWorker, fakeNetwork, listBucket, workerEnv } from './support.js';

// The Workers entry, in workerd, on the local R2 bucket, serving its files itself at /media/<key>.
describeHttpContract('Workers entry on local R2', async () => {
  const origin = 'https://mms-media.test';
  const sendEndpoint = fakeSendEndpoint();
  const env = workerEnv({ API_KEYS: 'k_worker', TELI_API_BASE_URL: 'https://teli.test', TELI_API_KEY: sendEndpoint.apiKey, TELI_TIMEOUT_MS: '500' });
  // The network as the worker and a carrier see it: the worker's own hostname routes to the worker.
  const restore = fakeNetwork({ 'mms-media.test': (req) => callWorker(env, req), 'teli.test': (req) => sendEndpoint.handle(req) });
  return {
    request: (path, init) => callWorker(env, new URL(path, origin), init),
    fetchPublic: (url, init) => fetch(url, init),
    stored: () => listBucket(),
    mediaUrlPrefix: `${origin}/media/`,
    apiKey: 'k_worker',
    largestUpload: '10 MB', // video's limit: no Images binding here
    sendEndpoint,
    cleanup: async () => restore(),
  };
});
