import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { DirectUploadSchema } from '../../src/http/schemas.js';

/** A client of direct uploads as an app would write one: plain fetch over a real socket, nothing else. */
export type Ticket = ReturnType<typeof DirectUploadSchema.parse>;

export function directClient(baseUrl: string, apiKey?: string) {
  const auth: Record<string, string> = apiKey ? { 'x-api-key': apiKey } : {};
  return {
    /** POST /v1/uploads/direct. */
    start: (body: unknown) => fetch(`${baseUrl}/v1/uploads/direct`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    /** POST /v1/uploads/direct, expecting a ticket (checked against the schema the route declares). */
    async ticket(filename: string, size: number, contentType?: string): Promise<Ticket> {
      const res = await this.start({ filename, size, ...(contentType && { content_type: contentType }) });
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(201);
      return DirectUploadSchema.parse(body);
    },
    /** The PUT, with exactly the headers the ticket lists (fetch sets Content-Length from the body itself). */
    put: (ticket: Ticket, bytes: Uint8Array) => {
      const headers = Object.fromEntries(Object.entries(ticket.headers).filter(([name]) => name !== 'content-length'));
      return fetch(ticket.url, { method: ticket.method, headers, body: bytes });
    },
    complete: (id: string, options?: Record<string, unknown>, query = '') =>
      fetch(`${baseUrl}/v1/uploads/${id}/complete${query}`, {
        method: 'POST',
        headers: { ...auth, ...(options && { 'content-type': 'application/json' }) },
        body: options && JSON.stringify(options),
      }),
  };
}

export const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
