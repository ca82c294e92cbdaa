import createClient from 'openapi-fetch';
import type { components, paths } from './openapi-types.js';

/**
 * mms-media called as another team's code would: openapi-fetch with the types openapi-typescript generated from
 * /openapi.json (openapi-types.ts). It imports nothing else, so test/http/generated-client.test.ts type-checks it on
 * its own with tsc: each call and each field read below is checked against the generated types.
 */
export type Media = components['schemas']['Media'];
export type ErrorEnvelope = components['schemas']['Error'];

export function generatedClient(baseUrl: string, apiKey?: string) {
  const client = createClient<paths>({ baseUrl, headers: apiKey ? { 'X-API-Key': apiKey } : {} });
  return {
    /** POST /v1/media, multipart: the body as typed (`file` a Blob), sent as the FormData that carries its name. */
    async host(file: Blob, filename: string): Promise<{ status: number; media?: Media; error?: ErrorEnvelope }> {
      const form = new FormData();
      form.set('file', file, filename);
      const { data, error, response } = await client.POST('/v1/media', { body: { file }, bodySerializer: () => form });
      return { status: response.status, ...(data && 'media' in data && { media: data.media }), ...(error && { error }) };
    },

    /** GET /v1/media/{id}: ready media, a job still processing, or the error envelope. */
    async get(id: string): Promise<{ status: number; media?: Media; processing?: boolean; error?: ErrorEnvelope }> {
      const { data, error, response } = await client.GET('/v1/media/{id}', { params: { path: { id } } });
      if (data?.status === 'ready') return { status: response.status, media: data.media };
      return { status: response.status, ...(data && { processing: data.status === 'processing' }), ...(error && { error }) };
    },

    async remove(id: string): Promise<number> {
      return (await client.DELETE('/v1/media/{id}', { params: { path: { id } } })).response.status;
    },

    async preflight(mediaUrl: string): Promise<{ status: number; ok?: boolean; code?: string }> {
      const { data, error, response } = await client.POST('/v1/media/preflight', { body: { media_url: mediaUrl } });
      return { status: response.status, ok: data?.ok, code: error?.code };
    },
  };
}
