import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Config } from '../config.js';
import { DIRECT_UPLOAD_TTL_MS } from '../core/direct-uploads.js';

/**
 * Node's own limits on a request, standing behind the app's. Its head must arrive within HEADERS_TIMEOUT_MS. The
 * whole request may last as long as the longest body this service takes on purpose. With the local driver that is
 * a direct upload's PUT, which may use its URL's whole lifetime (a large file on a phone link); with S3 those PUTs
 * go to the bucket, and the longest is a body within BODY_TIMEOUT_MS (the app's own deadline answers 408 first).
 * A tus PATCH has no deadline of its own (a cut one is resumed) and ends here at the latest, its connection
 * closed, which tus clients resume from like any cut (see limitRequests).
 */
export function serverTimeouts(config: Pick<Config, 'HEADERS_TIMEOUT_MS' | 'BODY_TIMEOUT_MS' | 'STORAGE_DRIVER'>): { headersTimeout: number; requestTimeout: number } {
  const longestBody = config.STORAGE_DRIVER === 's3' ? config.BODY_TIMEOUT_MS : DIRECT_UPLOAD_TTL_MS;
  return { headersTimeout: config.HEADERS_TIMEOUT_MS, requestTimeout: config.HEADERS_TIMEOUT_MS + longestBody + 5_000 };
}

/**
 * Sets the server's timeouts, and makes a request that outlasts them a cut connection, not Node's own reply (408):
 * tus clients (tus-js-client's default rule among them) never retry a 4xx but 409 and 423, so a PATCH answered 408
 * would end the upload, where a cut is resumed. Every other error in a request's head is answered as Node does.
 */
export function limitRequests(server: Server, timeouts: { headersTimeout: number; requestTimeout: number }): void {
  Object.assign(server, timeouts);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex & { _httpMessage?: { headersSent?: boolean } }) => {
    if (err.code !== 'ERR_HTTP_REQUEST_TIMEOUT' && socket.writable && !socket._httpMessage?.headersSent) {
      socket.write(`HTTP/1.1 ${NODE_REPLIES[err.code ?? ''] ?? '400 Bad Request'}\r\nConnection: close\r\n\r\n`);
    }
    socket.destroy(err);
  });
}

/** What Node answers a malformed head with when no clientError listener is set (400 for anything else). */
const NODE_REPLIES: Record<string, string> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: '413 Payload Too Large',
};
