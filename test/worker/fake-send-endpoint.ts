import type { SendEndpointCall, SendEndpointStandIn } from '../contract/http-contract.js';

/**
 * The send endpoint (POST /v1/mms/send) as a handler on the isolate's stand-in network, following the same
 * documented contract as test/support/fake-teli.ts on Node: X-API-Key required, campaign_id / phone_number /
 * media_url required, media_url http(s); then, like a carrier, it downloads media_url anonymously.
 */
export function fakeSendEndpoint(apiKey = 'teli-test-key'): SendEndpointStandIn & { handle(request: Request): Promise<Response> } {
  const fake = {
    apiKey,
    calls: [] as SendEndpointCall[],
    mode: { kind: 'ok' } as SendEndpointStandIn['mode'],
    reset() {
      fake.calls.length = 0;
      fake.mode = { kind: 'ok' };
    },
    async handle(request: Request): Promise<Response> {
      const reply = (status: number, body: unknown) => Response.json(body, { status });
      if (request.method !== 'POST' || new URL(request.url).pathname !== '/v1/mms/send') return reply(404, { success: false, error: 'Not found' });
      let body: Record<string, unknown>;
      try {
        body = (await request.json()) as Record<string, unknown>;
      } catch {
        return reply(400, { success: false, error: 'Invalid JSON' });
      }
      const call: SendEndpointCall = { apiKey: request.headers.get('x-api-key'), body };
      fake.calls.push(call);
      if (call.apiKey !== apiKey) return reply(401, { success: false, error: 'Invalid API key' });
      for (const field of ['campaign_id', 'phone_number', 'media_url']) {
        if (typeof body[field] !== 'string' || body[field] === '') return reply(400, { success: false, error: `Missing required field: ${field}` });
      }
      const mediaUrl = String(body.media_url);
      if (!/^https?:\/\//.test(mediaUrl)) return reply(400, { success: false, error: 'media_url must be a valid HTTP/HTTPS URL' });
      const mode = fake.mode;
      if (mode.kind === 'hang') {
        // Never answers; the caller's timeout must fire (its abort ends the wait).
        return new Promise<Response>((_, reject) => request.signal.addEventListener('abort', () => reject(request.signal.reason)));
      }
      if (mode.kind === 'status') return new Response(mode.body, { status: mode.status, headers: { 'content-type': 'text/html' } });
      if (mode.kind === 'redirect') {
        fake.mode = { kind: 'ok' }; // once: a client that follows the redirect sends again, and is answered
        return new Response('<html>Moved</html>', { status: mode.status, headers: { location: '/v1/mms/send', 'content-type': 'text/html' } });
      }
      try {
        const download = await fetch(mediaUrl, { redirect: 'manual' }); // anonymous: no headers, no cookies
        call.download = { status: download.status, contentType: download.headers.get('content-type'), bytes: new Uint8Array(await download.arrayBuffer()) };
      } catch {
        call.download = { status: 0, contentType: null, bytes: new Uint8Array(0) };
      }
      return reply(200, {
        success: true,
        message: 'MMS sent successfully',
        phone_number: body.phone_number,
        campaign_id: body.campaign_id,
        media_url: mediaUrl,
        thread_qualified: true,
        ai_disabled: true,
        human_takeover: true,
        powered_by: 'Teli',
      });
    },
  };
  return fake;
}
