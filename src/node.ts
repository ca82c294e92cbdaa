import { serve } from '@hono/node-server';
import { ConfigError, parseConfig, type Config } from './config.js';
import { jsonLogger } from './adapters/json-logger.js';
import { buildNodeDeps } from './adapters/node-deps.js';
import { createApp } from './http/app.js';

/** The Node entry: settings from the environment, adapters from settings, then serve. */
function loadConfig(): Config {
  try {
    return parseConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`mms-media: invalid configuration: ${err.message}`);
    process.exit(1);
  }
}

const config = loadConfig();
const logger = jsonLogger(config.LOG_LEVEL);
const deps = buildNodeDeps(config, logger);
const app = createApp(deps);

if (config.API_KEYS.length === 0) {
  logger.warn('API_KEYS is not set: requests need no key. This is allowed only on a loopback HOST; set API_KEYS before exposing the service.');
}
if (!config.TELI_API_KEY) logger.warn('TELI_API_KEY is not set: sends are dry runs and nothing reaches the send endpoint.');

const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
  logger.info('mms-media listening', {
    url: `http://${info.address.includes(':') ? `[${info.address}]` : info.address}:${info.port}`,
    public_base_url: config.PUBLIC_BASE_URL,
    storage: config.STORAGE_DRIVER,
  });
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info('shutting down', { signal });
    server.close(() => process.exit(0));
  });
}
