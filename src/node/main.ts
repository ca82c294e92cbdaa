import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import { ConfigError, parseConfig } from '../config.js';
import { jsonLogger } from '../adapters/json-logger.js';
import { withDirectBody } from './body.js';
import { buildNodeDeps } from './deps.js';
import { memoryBound } from './memory.js';
import { limitRequests, serverTimeouts } from './server-timeouts.js';
import { createApp } from '../http/app.js';

// The Node entry: settings from the environment, adapters from settings, then serve.

/** A ConfigError (a setting, or what it names, is wrong) stops the start with one line naming it; anything else keeps its stack. */
function orStop<T>(step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`mms-media: invalid configuration: ${err.message}`);
    process.exit(1);
  }
}

/** Why a listening socket could not be opened, and what to set instead. */
const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'another process is listening there; stop it, or set PORT to a free port',
  EACCES: 'this user may not listen on that port (below 1024 needs privileges); set PORT to 1024 or above',
  EADDRNOTAVAIL: 'HOST is not an address of this machine; set HOST to one of its addresses (127.0.0.1, or 0.0.0.0 for all)',
  ENOTFOUND: 'HOST is not a name this machine can resolve; set HOST to one of its addresses (127.0.0.1, or 0.0.0.0 for all)',
};

const config = orStop(() => parseConfig(process.env));
const logger = jsonLogger(config.LOG_LEVEL);
const deps = orStop(() => buildNodeDeps(config, logger));
const app = createApp(deps);

if (config.API_KEYS.length === 0) {
  logger.warn('API_KEYS is not set: requests need no key. This is allowed only on a loopback HOST; set API_KEYS before exposing the service.');
}
if (!config.TELI_API_KEY) logger.warn('TELI_API_KEY is not set: sends are dry runs and nothing reaches the send endpoint.');
// The most the settings let the service's work hold, for sizing its memory (docs/performance.md, Memory).
logger.info('memory bound', memoryBound(config, deps.media.limits.heldBytes));

const server = serve({ fetch: withDirectBody(app.fetch), port: config.PORT, hostname: config.HOST }, (info) => {
  logger.info('mms-media listening', {
    url: `http://${info.address.includes(':') ? `[${info.address}]` : info.address}:${info.port}`,
    public_base_url: config.PUBLIC_BASE_URL,
    storage: config.STORAGE_DRIVER,
  });
}) as Server; // plain HTTP/1.1: serve() makes an http.Server unless told to use http2
limitRequests(server, serverTimeouts(config));
// A socket that cannot be opened stops the start with one line saying what to change, as a bad setting does.
const cannotListen = (err: NodeJS.ErrnoException) => {
  const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  console.error(`mms-media: cannot listen on ${host}:${config.PORT}: ${LISTEN_ERRORS[err.code ?? ''] ?? err.message}`);
  process.exit(1);
};
server.once('error', cannotListen);
server.once('listening', () => server.off('error', cannotListen));

/** SIGTERM/SIGINT: stop accepting, let requests in flight finish within SHUTDOWN_GRACE_MS, then exit 0. */
function shutdown(signal: string): void {
  logger.info('shutting down: no new connections, finishing requests in flight', { signal, grace_ms: config.SHUTDOWN_GRACE_MS });
  deps.resumable?.close();
  server.close(() => {
    logger.info('stopped');
    process.exit(0);
  });
  server.closeIdleConnections();
  setTimeout(() => {
    logger.warn('grace period over: closing the connections still open', { grace_ms: config.SHUTDOWN_GRACE_MS });
    server.closeAllConnections();
    process.exit(0);
  }, config.SHUTDOWN_GRACE_MS).unref();
}
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));
