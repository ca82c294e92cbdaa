/**
 * A TCP proxy in front of the service that plays a dropped mobile connection: it forwards bytes both ways, and
 * once armed, in the middle of chosen tus PATCH requests (the n-th PATCH it sees, counted from 1) cuts the
 * connection once `cutAfter` bytes of that request have gone through, as a train going into a tunnel would.
 * While `holdAfter` is set, it plays a stalled one instead: every PATCH that starts stops after that many bytes,
 * its connection open.
 */
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Cut {
  /** The Upload-Offset the cut PATCH started at, and how many of its bytes (head and body) went through. */
  offset: number;
  forwarded: number;
}

export interface CuttingProxy {
  url: string;
  /** Where to forward to; set once the service listens. */
  targetPort: number;
  /** The connections cut since the proxy was last armed. */
  cuts: Cut[];
  /** Cuts the n-th PATCH requests (from 1) seen from now on, `cutAfter` bytes into each. */
  arm(patchNumbers: number[]): void;
  /** Bytes after which each PATCH that starts from now on is held (nothing more goes through); null: none is. */
  holdAfter: number | null;
  close(): Promise<void>;
}

/** `cutPatches`: armed from the start with these (see arm). */
export async function startCuttingProxy(options: { cutAfter: number; cutPatches?: number[] } = { cutAfter: Infinity }): Promise<CuttingProxy> {
  const sockets = new Set<Socket>();
  let patches = 0;
  let cutPatches = options.cutPatches ?? [];
  const proxy: CuttingProxy = {
    url: '',
    targetPort: 0,
    cuts: [],
    holdAfter: null,
    arm(patchNumbers) {
      patches = 0;
      cutPatches = patchNumbers;
      proxy.cuts = [];
    },
    close: async () => undefined,
  };
  const server = createServer((client) => {
    const upstream = connect(proxy.targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined); // a cut connection errors on the other side; that is the point
    }
    let current: { cut: boolean; holdAfter: number | null; offset: number; forwarded: number } | null = null;
    client.on('data', (chunk: Buffer) => {
      const head = /^PATCH [^\r\n]+\r\n[\s\S]*?upload-offset: *(\d+)/i.exec(chunk.toString('latin1', 0, Math.min(chunk.length, 4096)));
      if (head) {
        patches++;
        current = { cut: cutPatches.includes(patches), holdAfter: proxy.holdAfter, offset: Number(head[1]), forwarded: 0 };
      }
      if (current?.holdAfter != null && current.forwarded > current.holdAfter) return client.pause(); // stalled for good
      if (current?.cut && current.forwarded + chunk.length > options.cutAfter) {
        const room = options.cutAfter - current.forwarded;
        upstream.write(chunk.subarray(0, room));
        proxy.cuts.push({ offset: current.offset, forwarded: current.forwarded + room });
        current = null;
        // Both sides see the connection drop, as when the network goes.
        upstream.end(() => upstream.destroy());
        client.destroy();
        return;
      }
      if (current) current.forwarded += chunk.length;
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return proxy;
}
