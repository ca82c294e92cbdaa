import { describe, it, expect } from 'vitest';
import { getMultipartBoundary, MultipartError, parseMultipart, type MultipartPart } from '../../src/lib/multipart.js';

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);

function concatAll(chunks: Uint8Array[]) {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) out.set(c, (at += c.length) - c.length);
  return out;
}

/** Deterministic PRNG (mulberry32) so "random" chunkings are reproducible. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits `data` at the given offsets and streams the pieces (each a copy, so nothing shares memory). */
function streamSplitAt(data: Uint8Array, offsets: number[]): ReadableStream<Uint8Array> {
  const cuts = [0, ...offsets.filter((o) => o > 0 && o < data.length).sort((a, b) => a - b), data.length];
  const pieces = cuts.slice(1).map((end, i) => data.slice(cuts[i], end));
  return new ReadableStream({
    pull(c) {
      const next = pieces.shift();
      if (next) c.enqueue(next);
      else c.close();
    },
  });
}
const streamWhole = (data: Uint8Array) => streamSplitAt(data, []);
const streamBytewise = (data: Uint8Array) => streamSplitAt(data, Array.from({ length: data.length }, (_, i) => i));
function streamRandom(data: Uint8Array, seed: number, maxChunk = 17): ReadableStream<Uint8Array> {
  const next = rng(seed);
  const offsets: number[] = [];
  for (let at = 0; at < data.length; ) offsets.push((at += 1 + Math.floor(next() * maxChunk)));
  return streamSplitAt(data, offsets);
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const c of stream) chunks.push(c);
  return concatAll(chunks);
}

interface Parsed {
  name: string;
  filename?: string;
  contentType?: string;
  data: number[];
}
async function parseAll(
  stream: ReadableStream<Uint8Array>,
  boundary: string,
  limits?: Parameters<typeof parseMultipart>[2],
): Promise<Parsed[]> {
  const out: Parsed[] = [];
  for await (const part of parseMultipart(stream, boundary, limits)) {
    out.push({ ...meta(part), data: Array.from(await readAll(part.body)) });
  }
  return out;
}
function meta(part: Pick<MultipartPart, 'name' | 'filename' | 'contentType'>) {
  const m: Omit<Parsed, 'data'> = { name: part.name };
  if (part.filename !== undefined) m.filename = part.filename;
  if (part.contentType !== undefined) m.contentType = part.contentType;
  return m;
}

/** Encodes with undici's real multipart encoder (the one behind Node's fetch). */
async function encodeForm(form: FormData): Promise<{ data: Uint8Array; boundary: string }> {
  const request = new Request('http://x', { method: 'POST', body: form });
  const boundary = getMultipartBoundary(request.headers.get('content-type'));
  if (!boundary) throw new Error('undici sent no boundary');
  return { data: new Uint8Array(await request.arrayBuffer()), boundary };
}

/** Hand-written body: parts joined with CRLF line endings. */
function handForm(boundary: string, parts: Array<{ headers: string[]; body: string | Uint8Array }>, tail = '--\r\n') {
  const chunks: Uint8Array[] = [];
  for (const p of parts) {
    chunks.push(bytes(`--${boundary}\r\n${p.headers.map((h) => h + '\r\n').join('')}\r\n`));
    chunks.push(typeof p.body === 'string' ? bytes(p.body) : p.body);
    chunks.push(bytes('\r\n'));
  }
  chunks.push(bytes(`--${boundary}${tail}`));
  return concatAll(chunks);
}

/** Every chunking we try must give exactly the same parts. */
async function parseEveryWay(data: Uint8Array, boundary: string): Promise<Parsed[]> {
  const reference = await parseAll(streamWhole(data), boundary);
  expect(await parseAll(streamBytewise(data), boundary)).toEqual(reference);
  for (const seed of [1, 2, 3, 42]) expect(await parseAll(streamRandom(data, seed), boundary)).toEqual(reference);
  for (const seed of [7, 8]) expect(await parseAll(streamRandom(data, seed, 300), boundary)).toEqual(reference);
  // Split exactly inside every delimiter occurrence, at every offset within it.
  const delimiter = bytes(`\r\n--${boundary}`);
  for (let at = indexOf(data, delimiter, 0); at !== -1; at = indexOf(data, delimiter, at + 1)) {
    for (let k = 0; k <= delimiter.length; k++) {
      expect(await parseAll(streamSplitAt(data, [at + k]), boundary)).toEqual(reference);
    }
  }
  return reference;
}
function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const NO_BOUNDARY = 'The form data does not start with the boundary named in its Content-Type header.';
const TRUNCATED = 'The form data ended before its closing boundary; the upload may have been cut off.';

/** The promise fails with a MultipartError saying exactly `message`. */
async function expectRejects(promise: Promise<unknown>, message: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MultipartError);
  expect((error as Error).message).toBe(message);
}

describe('getMultipartBoundary', () => {
  it('reads unquoted and quoted boundaries, case-insensitively', () => {
    expect(getMultipartBoundary('multipart/form-data; boundary=abc123')).toBe('abc123');
    expect(getMultipartBoundary('multipart/form-data;boundary="a b;c=d"')).toBe('a b;c=d');
    expect(getMultipartBoundary('Multipart/Form-Data; charset=utf-8; BOUNDARY=----X')).toBe('----X');
    expect(getMultipartBoundary('multipart/form-data; foo; boundary=x ')).toBe('x');
  });
  it('returns null for other content types or no boundary', () => {
    expect(getMultipartBoundary('multipart/mixed; boundary=abc')).toBeNull();
    expect(getMultipartBoundary('application/x-www-form-urlencoded')).toBeNull();
    expect(getMultipartBoundary('application/json; boundary=abc')).toBeNull();
    expect(getMultipartBoundary('multipart/form-data')).toBeNull();
    expect(getMultipartBoundary('multipart/form-data; boundary=')).toBeNull();
    expect(getMultipartBoundary('multipart/form-data; boundary=""')).toBeNull();
    expect(getMultipartBoundary('')).toBeNull();
    expect(getMultipartBoundary(null)).toBeNull();
    expect(getMultipartBoundary(undefined)).toBeNull();
  });
  it("finds undici's boundary", async () => {
    const request = new Request('http://x', { method: 'POST', body: new FormData() });
    expect(getMultipartBoundary(request.headers.get('content-type'))).toMatch(/^-+formdata-undici-\d+$/);
  });
});

describe('parseMultipart with bodies from undici', () => {
  it('parses mixed fields and files straight from request.body', async () => {
    const form = new FormData();
    form.append('to', '+15551234567');
    form.append('photo', new File([bytes('JPEGDATA')], 'cat.jpg', { type: 'image/jpeg' }));
    form.append('caption', 'héllo wörld ✓');
    form.append('blob', new Blob([bytes('raw')]));
    form.append('empty', new File([], 'empty.txt', { type: 'text/plain' }));
    form.append('blank', '');
    const request = new Request('http://x', { method: 'POST', body: form });
    const boundary = getMultipartBoundary(request.headers.get('content-type'))!;

    const seen: Array<Omit<Parsed, 'data'> & { text: string }> = [];
    for await (const part of parseMultipart(request.body!, boundary)) {
      seen.push({ ...meta(part), text: await part.text(1000) });
    }
    expect(seen).toEqual([
      { name: 'to', text: '+15551234567' },
      { name: 'photo', filename: 'cat.jpg', contentType: 'image/jpeg', text: 'JPEGDATA' },
      { name: 'caption', text: 'héllo wörld ✓' },
      { name: 'blob', filename: 'blob', contentType: 'application/octet-stream', text: 'raw' },
      { name: 'empty', filename: 'empty.txt', contentType: 'text/plain', text: '' },
      { name: 'blank', text: '' },
    ]);
  });

  it('gives identical results however the bytes are chunked, with binary content full of near-delimiters', async () => {
    const tricky = concatAll([
      bytes('\r\n--'),
      new Uint8Array([0, 13, 10, 255, 13, 13, 10, 10, 45, 45]),
      bytes('\r\n------formdata-undici-'), // a prefix of undici's boundary
      bytes('\r\n--\r\n--\r\n-'),
      new Uint8Array(Array.from({ length: 300 }, (_, i) => (i * 7) & 255)),
      bytes('\r\n'), // content ending in CRLF must keep it
    ]);
    const form = new FormData();
    form.append('a', 'first');
    form.append('bin', new File([tricky], 'tricky.bin', { type: 'application/octet-stream' }));
    form.append('dashes', '--\r\n--');
    form.append('cr', new File([bytes('\r')], 'cr.txt'));
    const { data, boundary } = await encodeForm(form);

    const parts = await parseEveryWay(data, boundary);
    expect(parts.map((p) => p.name)).toEqual(['a', 'bin', 'dashes', 'cr']);
    expect(parts[1]).toEqual({
      name: 'bin',
      filename: 'tricky.bin',
      contentType: 'application/octet-stream',
      data: Array.from(tricky),
    });
    expect(parts[2]!.data).toEqual(Array.from(bytes('--\r\n--')));
    expect(parts[3]!.data).toEqual([13]);
  });

  it('keeps a raw UTF-8 filename, and what undici escaped, exactly as sent', async () => {
    const form = new FormData();
    form.append('f1', new File([bytes('x')], 'résumé 📄 文件.pdf', { type: 'application/pdf' }));
    form.append('f2', new File([bytes('y')], 'say "hi"\\back.txt'));
    const { data, boundary } = await encodeForm(form);
    const parts = await parseEveryWay(data, boundary);
    expect(parts[0]!.filename).toBe('résumé 📄 文件.pdf');
    // undici (like browsers) percent-encodes `"` and leaves a backslash raw; we neither undo nor mangle that.
    expect(parts[1]!.filename).toBe('say %22hi%22\\back.txt');
  });
});

describe('parseMultipart with hand-written bodies', () => {
  it('ignores preamble and epilogue, accepts case-insensitive headers and boundary padding', async () => {
    const data = concatAll([
      bytes('This is the preamble; it mentions --b mid-line.\r\n'),
      handForm('b', [
        { headers: ['CONTENT-DISPOSITION: Form-Data; NAME="one"'], body: 'v1' },
        { headers: ['content-type:text/csv', 'Content-Disposition:form-data;name=two;filename=t.csv'], body: 'a,b' },
      ], '--  \r\nThis is the epilogue, with --b and \r\n--b in it.\r\n'),
    ]);
    expect(await parseEveryWay(data, 'b')).toEqual([
      { name: 'one', data: Array.from(bytes('v1')) },
      { name: 'two', filename: 't.csv', contentType: 'text/csv', data: Array.from(bytes('a,b')) },
    ]);
    // Transport padding after a boundary (RFC 2046) is allowed too.
    const padded = bytes('--b \t\r\nContent-Disposition: form-data; name="p"\r\n\r\nv\r\n--b--');
    expect(await parseEveryWay(padded, 'b')).toEqual([{ name: 'p', data: Array.from(bytes('v')) }]);
  });

  it('handles content holding partial boundaries and a boundary that repeats its own prefix', async () => {
    const boundary = 'abab';
    const content = '\r\n--aba\r\n--abaX\r\n--ab\r\n--a\r\n--\r\n-\r\r\n--abaa--abab\r\n--abX\r\n--aba';
    const data = handForm(boundary, [
      { headers: ['Content-Disposition: form-data; name="x"'], body: content },
      { headers: ['Content-Disposition: form-data; name="y"'], body: '\r\n\r\n' },
    ]);
    expect(await parseEveryWay(data, boundary)).toEqual([
      { name: 'x', data: Array.from(bytes(content)) },
      { name: 'y', data: Array.from(bytes('\r\n\r\n')) },
    ]);
  });

  it('decodes filename*= (RFC 5987), which wins over filename= in either order', async () => {
    const data = handForm('B', [
      { headers: [`Content-Disposition: form-data; name="a"; filename="fallback.txt"; filename*=UTF-8''%E2%82%AC%20rates%F0%9F%93%88.txt`], body: '1' },
      { headers: [`Content-Disposition: form-data; name="b"; filename*=utf-8'en'na%C3%AFve.txt; filename="naive.txt"`], body: '2' },
      { headers: [`Content-Disposition: form-data; name="c"; filename*=UTF-8''only%20star`], body: '3' },
    ]);
    const parts = await parseEveryWay(data, 'B');
    expect(parts.map((p) => p.filename)).toEqual(['€ rates📈.txt', 'naïve.txt', 'only star']);
  });

  it('unescapes backslash escapes in quoted strings', async () => {
    const data = handForm('B', [
      { headers: ['Content-Disposition: form-data; name="a\\"b"; filename="say \\"hi\\" \\\\ c:\\dir.txt"'], body: '' },
      { headers: ['Content-Disposition: form-data; filename="x;y=z.txt"; name="semi;colon"'], body: '' },
    ]);
    const parts = await parseEveryWay(data, 'B');
    expect(parts.map(meta)).toEqual([
      { name: 'a"b', filename: 'say "hi" \\ c:\\dir.txt' },
      { name: 'semi;colon', filename: 'x;y=z.txt' },
    ]);
  });

  it('accepts a first boundary at the very start and a closing one without a trailing CRLF', async () => {
    const data = bytes('--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--B--');
    expect(await parseEveryWay(data, 'B')).toEqual([{ name: 'a', data: [49] }]);
    expect(await parseEveryWay(bytes('--B--'), 'B')).toEqual([]);
  });
});

describe('consumer behaviour', () => {
  const threeParts = handForm('B', [
    { headers: ['Content-Disposition: form-data; name="a"; filename="a.bin"'], body: 'A'.repeat(1000) },
    { headers: ['Content-Disposition: form-data; name="b"'], body: 'B'.repeat(1000) },
    { headers: ['Content-Disposition: form-data; name="c"'], body: 'ccc' },
  ]);

  it('skips parts the consumer did not read, partly read or cancelled', async () => {
    for (const mode of ['ignore', 'partial', 'cancel'] as const) {
      const got: string[] = [];
      let skippedBody: ReadableStream<Uint8Array> | undefined;
      for await (const part of parseMultipart(streamRandom(threeParts, 5, 64), 'B')) {
        if (part.name === 'c') {
          got.push(await part.text(100));
          continue;
        }
        got.push(part.name);
        if (mode === 'partial') {
          const reader = part.body.getReader();
          // The first piece of the part's own content: some of its 1000 letters, nothing else.
          const piece = new TextDecoder().decode((await reader.read()).value);
          expect(piece).toBe(part.name.toUpperCase().repeat(piece.length));
          expect(piece.length).toBeGreaterThanOrEqual(1);
          reader.releaseLock();
        }
        if (mode === 'cancel') await part.body.cancel();
        if (part.name === 'a') skippedBody = part.body;
      }
      expect(got).toEqual(['a', 'b', 'ccc']);
      if (mode !== 'cancel') {
        // Reading a part after moving past it fails plainly rather than returning the wrong bytes.
        await expectRejects(readAll(skippedBody!), 'This part was skipped because the next part was requested first.');
      }
    }
  });

  /** Streams `data` in 100-byte chunks, counting pulls and noting whether the parser cancelled it. */
  function tracked(data: Uint8Array) {
    const state = { pulls: 0, cancelled: false };
    let at = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        state.pulls++;
        if (at >= data.length) return c.close();
        c.enqueue(data.slice(at, (at += 100)));
      },
      cancel() {
        state.cancelled = true;
      },
    });
    return { stream, state };
  }

  it('cancels the source when the consumer stops early, and on errors', async () => {
    const early = tracked(threeParts);
    for await (const part of parseMultipart(early.stream, 'B')) {
      expect(part.name).toBe('a');
      break;
    }
    expect(early.state.cancelled).toBe(true);
    expect(early.state.pulls).toBeLessThan(4); // the rest of the body was never read

    const failing = tracked(threeParts);
    await expectRejects(parseAll(failing.stream, 'B', { maxParts: 1 }), 'The form data has more than 1 parts.');
    expect(failing.state.cancelled).toBe(true);
    expect(failing.state.pulls).toBeLessThan(20);
  });

  it('accepts Node Buffers as chunks (what Readable.toWeb yields)', async () => {
    const { Readable } = await import('node:stream');
    const { Buffer } = await import('node:buffer');
    const pieces = [0, 7, 50, 51, 52, 1030, 1031, 2100].map((at, i, all) => Buffer.from(threeParts.slice(at, all[i + 1])));
    const stream = Readable.toWeb(Readable.from(pieces)) as ReadableStream<Uint8Array>;
    expect(await parseAll(stream, 'B')).toEqual(await parseAll(streamWhole(threeParts), 'B'));
  });

  it('text() rejects a field longer than its limit', async () => {
    const gen = parseMultipart(streamWhole(threeParts), 'B');
    const first = (await gen.next()).value as MultipartPart;
    await expectRejects(first.text(999), 'The form field "a" is longer than 999 bytes.');
    const second = (await gen.next()).value as MultipartPart; // the rest of "a" was discarded
    expect(await second.text(1000)).toBe('B'.repeat(1000));
    await gen.return(undefined);
  });
});

describe('errors', () => {
  const ok = (name: string) => ({ headers: [`Content-Disposition: form-data; name="${name}"`], body: 'v' });

  it('rejects a body without the initial boundary', async () => {
    await expectRejects(parseAll(streamWhole(bytes('no boundary here')), 'B'), NO_BOUNDARY);
    await expectRejects(parseAll(streamWhole(handForm('other', [ok('a')])), 'B'), NO_BOUNDARY);
    await expectRejects(parseAll(streamWhole(new Uint8Array(0)), 'B'), NO_BOUNDARY);
    // A body sent with the wrong boundary is refused without reading all of it.
    let produced = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        produced += 8192;
        c.enqueue(new Uint8Array(8192).fill(13));
      },
    });
    await expectRejects(parseAll(endless, 'B'), NO_BOUNDARY);
    expect(produced).toBeLessThan(200_000);
  });

  it('rejects an empty boundary', async () => {
    await expectRejects(parseAll(streamWhole(bytes('--\r\n')), ''), 'The form data has no boundary.');
  });

  it('rejects part headers over maxHeaderBytes or never terminated', async () => {
    const big = handForm('B', [{ headers: ['Content-Disposition: form-data; name="a"', `X-Pad: ${'p'.repeat(200)}`], body: '' }]);
    expect(await parseAll(streamWhole(big), 'B', { maxHeaderBytes: 300 })).toEqual([{ name: 'a', data: [] }]);
    await expectRejects(parseAll(streamWhole(big), 'B', { maxHeaderBytes: 100 }), "A part's headers in the form data are longer than 100 bytes.");
    await expectRejects(parseAll(streamBytewise(big), 'B', { maxHeaderBytes: 100 }), "A part's headers in the form data are longer than 100 bytes.");
    const endless = bytes(`--B\r\nContent-Disposition: form-data; name="a"\r\nX: ${'y'.repeat(10_000)}`);
    await expectRejects(parseAll(streamRandom(endless, 3, 500), 'B'), "A part's headers in the form data are longer than 8192 bytes.");
    const unterminated = bytes('--B\r\nContent-Disposition: form-data; name="a"\r\n');
    await expectRejects(parseAll(streamWhole(unterminated), 'B'), TRUNCATED);
  });

  it('rejects a part without a Content-Disposition form-data name', async () => {
    const cases = [
      ['Content-Type: text/plain'],
      ['Content-Disposition: attachment; name="a"'],
      ['Content-Disposition: form-data; filename="a.txt"'],
      [],
    ];
    for (const headers of cases) {
      await expectRejects(parseAll(streamWhole(handForm('B', [{ headers, body: 'v' }])), 'B'), 'A part of the form data lacks a Content-Disposition header with form-data and a name.');
    }
    const malformed = handForm('B', [{ headers: ['Content-Disposition: form-data; name="a"', 'no colon'], body: '' }]);
    await expectRejects(parseAll(streamWhole(malformed), 'B'), 'A part of the form data has a malformed header line.');
    const badStar = handForm('B', [{ headers: [`Content-Disposition: form-data; name="a"; filename*=UTF-8''%FF%FE`], body: '' }]);
    await expectRejects(parseAll(streamWhole(badStar), 'B'), 'The filename of form field "a" is not validly encoded.');
  });

  it('rejects a truncated upload, from part.body and from the generator', async () => {
    const full = handForm('B', [ok('a'), { headers: ['Content-Disposition: form-data; name="f"; filename="f"'], body: 'x'.repeat(500) }]);
    // Cut inside the closing delimiter, right before its "--", inside the file's content, inside headers.
    for (const cut of [full.length - 3, full.length - 4, full.length - 5, full.length - 6, full.length - 100, 60]) {
      const truncated = full.subarray(0, cut);
      await expectRejects(parseAll(streamWhole(truncated), 'B'), TRUNCATED);
      // A consumer that only iterates (never reads bodies) still hears about it.
      const names = async () => {
        for await (const part of parseMultipart(streamRandom(truncated, cut, 50), 'B')) void part.name;
      };
      await expectRejects(names(), TRUNCATED);
    }
    const malformedClose = bytes('--B\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--Bxyz');
    await expectRejects(parseAll(streamWhole(malformedClose), 'B'), 'A boundary line in the form data is malformed.');
  });

  it('rejects more than maxParts parts, after yielding the allowed ones', async () => {
    const data = handForm('B', [ok('a'), ok('b'), ok('c')]);
    const v = Array.from(bytes('v'));
    expect(await parseAll(streamWhole(data), 'B', { maxParts: 3 })).toEqual([{ name: 'a', data: v }, { name: 'b', data: v }, { name: 'c', data: v }]);
    const names: string[] = [];
    const run = async () => {
      for await (const part of parseMultipart(streamWhole(data), 'B', { maxParts: 2 })) names.push(part.name);
    };
    await expectRejects(run(), 'The form data has more than 2 parts.');
    expect(names).toEqual(['a', 'b']);
    const many = handForm('B', Array.from({ length: 21 }, (_, i) => ok(`f${i}`)));
    await expectRejects(parseAll(streamWhole(many), 'B'), 'The form data has more than 20 parts.');
  });
});

describe('upstream errors pass through unchanged', () => {
  class PayloadTooLarge extends Error {}

  /** Like a size-limit TransformStream in front of the parser: throws its own error after `limit` bytes. */
  function limited(source: ReadableStream<Uint8Array>, limit: number, error: Error): ReadableStream<Uint8Array> {
    let seen = 0;
    return source.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, c) {
          if ((seen += chunk.length) > limit) throw error;
          c.enqueue(chunk);
        },
      }),
    );
  }
  const data = handForm('B', [
    { headers: ['Content-Disposition: form-data; name="a"'], body: 'v' },
    { headers: ['Content-Disposition: form-data; name="f"; filename="f"'], body: 'x'.repeat(5000) },
  ]);

  it('to the part.body reader, and then to the generator', async () => {
    const error = new PayloadTooLarge('too big');
    const gen = parseMultipart(limited(streamRandom(data, 9, 100), 2000, error), 'B');
    expect(await (await gen.next()).value!.text(10)).toBe('v');
    const file = (await gen.next()).value as MultipartPart;
    expect(await readAll(file.body).catch((e: unknown) => e)).toBe(error);
    expect(await gen.next().catch((e: unknown) => e)).toBe(error);
  });

  it('to the generator while it reads headers or skips a part', async () => {
    const error = new PayloadTooLarge('too big');
    expect(await parseAll(limited(streamBytewise(data), 20, error), 'B').catch((e: unknown) => e)).toBe(error);
    // The consumer reads no bodies, so the error arrives while the generator discards the file part.
    const skipAll = async () => {
      for await (const part of parseMultipart(limited(streamRandom(data, 4, 50), 1000, error), 'B')) void part;
    };
    expect(await skipAll().catch((e: unknown) => e)).toBe(error);
  });

  it('when the source stream itself errors (e.g. client disconnect)', async () => {
    const error = new Error('aborted');
    let sent = false;
    const source = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent) return c.error(error);
        sent = true;
        c.enqueue(data.subarray(0, 200));
      },
    });
    expect(await parseAll(source, 'B').catch((e: unknown) => e)).toBe(error);
  });
});

describe('streaming a large file', () => {
  it('parses a lazily produced 30 MB file part without buffering it', async () => {
    const boundary = '----formdata-test-0123456789Z';
    const CHUNK = 65_536;
    const TOTAL_CHUNKS = 480; // 30 MiB
    const head = bytes(
      `--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nbig one\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n` +
        `Content-Type: application/octet-stream\r\n\r\n`,
    );
    const tail = bytes(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="after"\r\n\r\nok\r\n--${boundary}--\r\n`);
    // Every chunk ends with an almost-delimiter, so the parser must carry a tail across each chunk boundary.
    const nearMiss = bytes(`\r\n--${boundary.slice(0, -1)}`);

    let state = 0x9e3779b9;
    let produced = 0; // file bytes handed to the parser so far
    let producedHash = 0x811c9dc5;
    let chunksProduced = 0;
    const source = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          if (chunksProduced === 0) c.enqueue(head);
          if (chunksProduced === TOTAL_CHUNKS) {
            c.enqueue(tail);
            c.close();
            return;
          }
          const chunk = new Uint8Array(CHUNK);
          const words = new Uint32Array(chunk.buffer);
          for (let i = 0; i < words.length; i++) {
            state ^= state << 13;
            state ^= state >>> 17;
            state ^= state << 5;
            words[i] = state >>> 0;
          }
          chunk[0] = 0; // never completes the previous chunk's near-miss
          chunk.set(nearMiss, CHUNK - nearMiss.length);
          for (let i = 0; i < chunk.length; i++) producedHash = Math.imul(producedHash ^ chunk[i]!, 0x01000193);
          produced += chunk.length;
          chunksProduced++;
          c.enqueue(chunk);
        },
      },
      { highWaterMark: 0 },
    );

    const seen: string[] = [];
    let received = 0;
    let receivedHash = 0x811c9dc5;
    let largestChunk = 0;
    let furthestAhead = 0; // how many produced bytes the parser has taken but not yet handed over
    for await (const part of parseMultipart(source, boundary)) {
      seen.push(part.name);
      if (part.name !== 'file') {
        seen.push(await part.text(100));
        continue;
      }
      expect(part.filename).toBe('big.bin');
      for await (const chunk of part.body) {
        largestChunk = Math.max(largestChunk, chunk.length);
        received += chunk.length;
        furthestAhead = Math.max(furthestAhead, produced - received);
        for (let i = 0; i < chunk.length; i++) receivedHash = Math.imul(receivedHash ^ chunk[i]!, 0x01000193);
      }
    }
    expect(seen).toEqual(['note', 'big one', 'file', 'after', 'ok']);
    expect(produced).toBe(CHUNK * TOTAL_CHUNKS);
    expect(received).toBe(produced);
    expect(receivedHash).toBe(producedHash);
    // The parser only ever holds about one input chunk plus a delimiter-sized tail.
    expect(largestChunk).toBeLessThanOrEqual(CHUNK + nearMiss.length + 4);
    expect(furthestAhead).toBeLessThanOrEqual(CHUNK + nearMiss.length + 4);
  }, 60_000);
});

describe('delimiter search', () => {
  const streamChunksOf = (data: Uint8Array, size: number) =>
    streamSplitAt(data, Array.from({ length: Math.ceil(data.length / size) }, (_, i) => (i + 1) * size));
  const delimiterOf = (boundary: string) => bytes(`\r\n--${boundary}`);
  const disposition = (name: string) => [`Content-Disposition: form-data; name="${name}"`];

  /** Reads a part's body until it ends or fails, keeping the bytes it gave out before failing. */
  async function readUntilError(stream: ReadableStream<Uint8Array>): Promise<{ data: number[]; error: unknown }> {
    const chunks: Uint8Array[] = [];
    try {
      for await (const c of stream) chunks.push(c);
      return { data: Array.from(concatAll(chunks)), error: undefined };
    } catch (error) {
      return { data: Array.from(concatAll(chunks)), error };
    }
  }

  /** Content full of near-misses of `\r\n--<boundary>`, none of them the delimiter itself. */
  function nearMisses(boundary: string): Uint8Array {
    const d = delimiterOf(boundary);
    const pieces: Uint8Array[] = [
      d.subarray(0, d.length - 1), // all but the last byte
      bytes('X'),
      bytes(`\r\n--${boundary.slice(0, -1)}${boundary.endsWith('Q') ? 'R' : 'Q'}`), // another boundary: last byte differs
      bytes(`\r\n--${boundary.startsWith('Q') ? 'R' : 'Q'}${boundary.slice(1)}`), // first byte differs
      bytes('\r'.repeat(100) + '\r\n'.repeat(50) + '\r\n--'.repeat(20) + '\n'),
      bytes(boundary.slice(-1).repeat(3 * d.length)), // the last byte, over and over
      bytes(`--${boundary}`), // the boundary without its CRLF
      bytes(`\r--${boundary}\n--${boundary}\r\n-${boundary}`), // the CRLF-- broken in each place
    ];
    for (let i = 0; i < d.length; i++) {
      const mutated = d.slice();
      mutated[i] ^= 0x20; // the delimiter with one byte changed, for every byte
      pieces.push(mutated, bytes('.'));
    }
    for (let k = 1; k < d.length; k++) pieces.push(d.subarray(0, k), Uint8Array.of(d[k]! ^ 1)); // every proper prefix
    pieces.push(d.subarray(0, d.length - 1)); // and the content ends with one, right before the real delimiter
    return concatAll(pieces);
  }

  const boundaries = [
    '----WebKitFormBoundary7MA4YWxkTrZu0gW', // typical browser boundary, 42-byte delimiter
    'x'.repeat(70), // RFC 2046's longest; its last byte recurs everywhere, so the search can only move by 1
    'ab-ab--', // ends in a dash, like the "--" the delimiter starts with
    'B',
  ];

  for (const boundary of boundaries) {
    it(`gives exact bytes around near-misses, however the form is chunked (boundary ${boundary.length} chars)`, async () => {
      const content = nearMisses(boundary);
      expect(indexOf(concatAll([content, delimiterOf(boundary)]), delimiterOf(boundary), 0)).toBe(content.length);
      const data = handForm(boundary, [
        { headers: disposition('near'), body: content },
        { headers: disposition('crs'), body: new Uint8Array(300).fill(13) },
        { headers: disposition('empty'), body: '' },
      ]);
      const expected = [
        { name: 'near', data: Array.from(content) },
        { name: 'crs', data: Array(300).fill(13) },
        { name: 'empty', data: [] },
      ];
      // Whole, bytewise, random chunkings, and one split at every offset inside every delimiter.
      expect(await parseEveryWay(data, boundary)).toEqual(expected);
      // Chunks of 1, 2, 3, … bytes: every alignment of the delimiter against a chunk boundary.
      for (let size = 1; size <= delimiterOf(boundary).length + 2; size++) {
        expect(await parseAll(streamChunksOf(data, size), boundary)).toEqual(expected);
      }
    });
  }

  it('finds a delimiter split in two places, at every pair of offsets inside it', async () => {
    const boundary = '----formdata-undici-0123456789';
    const data = handForm(boundary, [{ headers: disposition('a'), body: 'before\r\n-' }]);
    const at = indexOf(data, delimiterOf(boundary), 1);
    const m = delimiterOf(boundary).length;
    for (let i = 0; i <= m; i++) {
      for (let j = i + 1; j <= m; j++) {
        expect(await parseAll(streamSplitAt(data, [at + i, at + j]), boundary)).toEqual([
          { name: 'a', data: Array.from(bytes('before\r\n-')) },
        ]);
      }
    }
  });

  it('finds only the real delimiter amid random content made of the delimiter\'s own bytes', async () => {
    const next = rng(2024);
    const boundary = 'qz-9';
    const d = delimiterOf(boundary);
    const alphabet = [...d, 0, 255, 97]; // mostly the delimiter's own bytes, so near-misses abound
    for (let trial = 0; trial < 150; trial++) {
      const pieces: number[] = [];
      while (pieces.length < 200) {
        if (next() < 0.3) pieces.push(...d.subarray(0, Math.floor(next() * d.length))); // some prefix
        else pieces.push(alphabet[Math.floor(next() * alphabet.length)]!);
      }
      // Wherever the delimiter turned up, its first byte goes, so the part ends exactly where the naive search says.
      const content = Uint8Array.from(pieces);
      for (let at; (at = indexOf(concatAll([content, d]), d, 0)) < content.length; ) content[at] = 0;
      const data = handForm(boundary, [{ headers: disposition('r'), body: content }]);
      const expected = [{ name: 'r', data: Array.from(content) }];
      expect(await parseAll(streamWhole(data), boundary)).toEqual(expected);
      expect(await parseAll(streamRandom(data, trial, 1 + (trial % 13)), boundary)).toEqual(expected);
    }
  });

  it('fails as truncated when the body ends in a partial delimiter, after giving out only the content', async () => {
    const boundary = '----WebKitFormBoundary7MA4YWxkTrZu0gW';
    const d = delimiterOf(boundary);
    const head = bytes(`--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="f.bin"\r\n\r\n`);
    const content = bytes('payload\r\n--not-it');
    for (let k = 1; k < d.length; k++) {
      const truncated = concatAll([head, content, d.subarray(0, k)]);
      for (const stream of [streamWhole(truncated), streamBytewise(truncated), streamChunksOf(truncated, k)]) {
        const gen = parseMultipart(stream, boundary);
        const part = (await gen.next()).value as MultipartPart;
        const { data, error } = await readUntilError(part.body);
        expect(data).toEqual(Array.from(content)); // the partial delimiter was held back, not given out
        expect(error).toBeInstanceOf(MultipartError);
        expect((error as Error).message).toBe(TRUNCATED);
        await expectRejects(gen.next(), TRUNCATED);
      }
    }
  });

  it('gives out a held-back near-miss as content once it proves not to be the delimiter', async () => {
    const boundary = 'Boundary42';
    const d = delimiterOf(boundary);
    const head = bytes(`--${boundary}\r\nContent-Disposition: form-data; name="f"\r\n\r\n`);
    for (let k = 1; k < d.length; k++) {
      const spoiled = concatAll([bytes('abc'), d.subarray(0, k), bytes('Z')]); // then the body just stops
      const gen = parseMultipart(streamChunksOf(concatAll([head, spoiled]), head.length + 3 + k), boundary);
      const { data, error } = await readUntilError(((await gen.next()).value as MultipartPart).body);
      expect(data).toEqual(Array.from(spoiled));
      expect((error as Error).message).toBe(TRUNCATED);
    }
  });
});
