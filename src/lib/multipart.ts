/**
 * Streaming multipart/form-data parser (RFC 7578, RFC 2046) using only Web Streams, Uint8Array and TextDecoder, so
 * it runs on Node and Cloudflare Workers alike. It never holds a whole part: besides the current input chunk it keeps
 * a tail shorter than the delimiter (or, while reading a part's headers, up to maxHeaderBytes).
 */

import { find, skipTable } from './byte-search.js';

/** The form data is malformed or over a limit. `message` is a sentence meant for a person. */
export class MultipartError extends Error {
  override name = 'MultipartError';
}

export interface MultipartPart {
  name: string;
  /** Decoded but otherwise untouched (sanitising is the caller's job); undefined for plain fields. */
  filename?: string;
  contentType?: string;
  /** Read or cancel it before asking for the next part; whatever is left unread then is discarded. */
  body: ReadableStream<Uint8Array>;
  /** Reads the whole body as UTF-8; throws MultipartError once it exceeds maxBytes. */
  text(maxBytes: number): Promise<string>;
}

/** The boundary from a Content-Type header, or null when it is not multipart/form-data or has none. */
export function getMultipartBoundary(contentType: string | null | undefined): string | null {
  const { type, params } = parseHeaderValue(contentType ?? '');
  return type === 'multipart/form-data' ? params.get('boundary') || null : null;
}

/** Whether a Content-Type header says multipart/form-data, with a boundary or not. */
export function isMultipartFormData(contentType: string | null | undefined): boolean {
  return parseHeaderValue(contentType ?? '').type === 'multipart/form-data';
}

const CR = 13, LF = 10, DASH = 45;
const CRLFCRLF = new Uint8Array([CR, LF, CR, LF]);
const CRLFCRLF_SKIP = skipTable(CRLFCRLF);
// Real clients send no preamble; giving up early spares reading a whole upload sent with the wrong boundary.
const MAX_PREAMBLE_BYTES = 64 * 1024;
const NO_BOUNDARY = 'The form data does not start with the boundary named in its Content-Type header.';
const TRUNCATED = 'The form data ended before its closing boundary; the upload may have been cut off.';
const MALFORMED_BOUNDARY = 'A boundary line in the form data is malformed.';

export async function* parseMultipart(
  body: ReadableStream<Uint8Array>,
  boundary: string,
  limits: { maxHeaderBytes?: number /* per part, default 8192 */; maxParts?: number /* default 20 */ } = {},
): AsyncGenerator<MultipartPart> {
  const { maxHeaderBytes = 8192, maxParts = 20 } = limits;
  if (!boundary) throw new MultipartError('The form data has no boundary.');
  const reader = body.getReader();
  const scanner = new Scanner(reader, new TextEncoder().encode(`\r\n--${boundary}`));
  try {
    await scanner.skipPreamble();
    for (let count = 1; await scanner.afterDelimiter(maxHeaderBytes); count++) {
      if (count > maxParts) throw new MultipartError(`The form data has more than ${maxParts} parts.`);
      const info = describePart(await scanner.headers(maxHeaderBytes));
      const part = new PartBody(scanner);
      yield { ...info, body: part.stream, text: (maxBytes: number) => readText(part.stream, info.name, maxBytes) };
      await part.finish();
    }
  } finally {
    // Finished, failed or abandoned (break/return): nothing more is wanted from the source, epilogue included.
    // Not awaited, because some sources are slow to acknowledge a cancel. No reason is passed: some sources (Node
    // streams) would re-emit it as their own error.
    reader.cancel().catch(() => {});
  }
}

/** Reads the source and finds delimiters in it. `buf` holds bytes read but not yet consumed. */
class Scanner {
  // A virtual CRLF in front lets the first delimiter open the body, as it usually does.
  private buf: Uint8Array = new Uint8Array([CR, LF]);
  private sourceError: { error: unknown } | null = null;

  private readonly delimiterSkip: Uint32Array;

  constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly delimiter: Uint8Array,
  ) {
    this.delimiterSkip = skipTable(delimiter);
  }

  /** Appends the next source chunk; false at the end. A source error is rethrown as the same object every time. */
  private async fill(): Promise<boolean> {
    for (;;) {
      if (this.sourceError) throw this.sourceError.error;
      const result = await this.reader.read().catch((error: unknown) => {
        throw (this.sourceError = { error }).error;
      });
      if (result.done) return false;
      if (result.value.length === 0) continue;
      this.buf = this.buf.length === 0 ? result.value : concat(this.buf, result.value);
      return true;
    }
  }

  /**
   * The next piece of content before the delimiter, or null once the delimiter itself has been consumed. Pieces are
   * views of the input chunks (no copy); only a tail that might begin a delimiter is held back for the next chunk.
   */
  async bodyChunk(endMessage = TRUNCATED): Promise<Uint8Array | null> {
    for (;;) {
      const hit = find(this.buf, this.delimiter, this.delimiterSkip, 0);
      if (hit?.complete && hit.at === 0) {
        this.buf = this.buf.subarray(this.delimiter.length);
        return null;
      }
      const safe = hit ? hit.at : this.buf.length;
      if (safe > 0) {
        const piece = this.buf.subarray(0, safe);
        this.buf = this.buf.subarray(safe);
        return piece;
      }
      if (!(await this.fill())) throw new MultipartError(endMessage);
    }
  }

  async skipPreamble(): Promise<void> {
    for (let skipped = 0, piece; (piece = await this.bodyChunk(NO_BOUNDARY)); ) {
      if ((skipped += piece.length) > MAX_PREAMBLE_BYTES) throw new MultipartError(NO_BOUNDARY);
    }
  }

  /** Just after a delimiter: true if a part follows (CRLF, maybe after padding), false for the closing `--`. */
  async afterDelimiter(maxPadding: number): Promise<boolean> {
    for (;;) {
      const b = this.buf;
      if (b[0] === DASH && b[1] === DASH) return false;
      let i = 0;
      while (b[i] === 0x20 || b[i] === 0x09) i++; // RFC 2046 allows whitespace before the CRLF
      if (i + 2 <= b.length) {
        if (b[i] !== CR || b[i + 1] !== LF) throw new MultipartError(MALFORMED_BOUNDARY);
        this.buf = b.subarray(i + 2);
        return true;
      }
      if (i > maxPadding) throw new MultipartError(MALFORMED_BOUNDARY);
      if (!(await this.fill())) throw new MultipartError(TRUNCATED);
    }
  }

  /** Reads a part's header block, blank line included, into lower-cased names → values. */
  async headers(maxBytes: number): Promise<Map<string, string>> {
    const tooLong = () => new MultipartError(`A part's headers in the form data are longer than ${maxBytes} bytes.`);
    for (let from = 0; ; ) {
      if (this.buf[0] === CR && this.buf[1] === LF) {
        this.buf = this.buf.subarray(2); // no headers at all; describePart rejects that
        return new Map();
      }
      const hit = find(this.buf, CRLFCRLF, CRLFCRLF_SKIP, from);
      if (hit?.complete) {
        if (hit.at > maxBytes) throw tooLong();
        const text = new TextDecoder().decode(this.buf.subarray(0, hit.at)); // raw UTF-8 filenames are common
        this.buf = this.buf.subarray(hit.at + 4);
        return parseHeaderLines(text);
      }
      if (this.buf.length > maxBytes + 3) throw tooLong();
      from = Math.max(0, this.buf.length - 3); // the blank line may straddle the old end
      if (!(await this.fill())) throw new MultipartError(TRUNCATED);
    }
  }
}

/**
 * One part's body. highWaterMark 0: it pulls only when the consumer reads, so nothing is read ahead of the
 * consumer, and the scanner has one user at a time (this stream, then finish()).
 */
class PartBody {
  readonly stream: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private ended = false; // the delimiter after this part has been consumed
  private cancelled = false; // by the consumer
  private detached = false; // the generator has moved on
  private pulling: Promise<void> = Promise.resolve();

  constructor(private readonly scanner: Scanner) {
    const source: UnderlyingDefaultSource<Uint8Array> = {
      start: (controller) => void (this.controller = controller),
      pull: (controller) => (this.pulling = this.pull(controller)), // a rejection errors the stream with it as is
      cancel: () => void (this.cancelled = true),
    };
    this.stream = new ReadableStream(source, { highWaterMark: 0 });
  }

  private async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    if (this.detached) return; // finish() is about to error the stream
    const piece = await this.scanner.bodyChunk();
    if (piece === null) this.ended = true;
    if (this.cancelled) return; // finish() discards the rest
    if (piece) controller.enqueue(piece);
    else controller.close();
  }

  /** Runs when the next part is requested: discards whatever the consumer left unread. */
  async finish(): Promise<void> {
    this.detached = true;
    await this.pulling.catch(() => {}); // a scanner error resurfaces below
    // A late reader learns why it gets nothing more. Not made when the stream is already closed (read to its end,
    // or cancelled) and no reader could see it: each error captures a stack.
    if (!this.ended && !this.cancelled) this.controller.error(new MultipartError('This part was skipped because the next part was requested first.'));
    while (!this.ended) if ((await this.scanner.bodyChunk()) === null) this.ended = true;
  }
}

async function readText(body: ReadableStream<Uint8Array>, name: string, maxBytes: number): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  for (let text = '', total = 0; ; ) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    if ((total += value.length) > maxBytes) {
      reader.cancel().catch(() => {});
      throw new MultipartError(`The form field "${name}" is longer than ${maxBytes} bytes.`);
    }
    text += decoder.decode(value, { stream: true });
  }
}

function describePart(headers: Map<string, string>): Pick<MultipartPart, 'name' | 'filename' | 'contentType'> {
  const { type, params } = parseHeaderValue(headers.get('content-disposition') ?? '');
  const name = params.get('name');
  if (type !== 'form-data' || name === undefined) {
    throw new MultipartError('A part of the form data lacks a Content-Disposition header with form-data and a name.');
  }
  const star = params.get('filename*'); // the RFC 5987 form wins over the plain one
  const filename = (star === undefined ? undefined : decodeExtValue(star)) ?? params.get('filename');
  if (star !== undefined && filename === undefined) {
    throw new MultipartError(`The filename of form field "${name}" is not validly encoded.`);
  }
  const contentType = headers.get('content-type');
  return { name, ...(filename === undefined ? {} : { filename }), ...(contentType ? { contentType } : {}) };
}

function parseHeaderLines(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MultipartError('A part of the form data has a malformed header line.');
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return headers;
}

// `; key=token` or `; key="quoted"`. Browsers do not escape backslashes (they percent-encode `"` instead), so a
// backslash only escapes `"` or `\`: RFC-style escapes decode, and a browser's raw `a\b.txt` stays intact.
const PARAM = /;\s*([^\s=;]+)\s*=\s*(?:"((?:\\["\\]|[^"])*)"?|([^;]*))/g;

/** `type; key=token; key="quoted"` → lower-cased type and keys; the first occurrence of a key wins. */
function parseHeaderValue(value: string): { type: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  for (const [, key, quoted, token] of value.matchAll(PARAM)) {
    const name = key!.toLowerCase();
    if (!params.has(name)) params.set(name, quoted?.replace(/\\(["\\])/g, '$1') ?? token!.trim());
  }
  return { type: value.split(';', 1)[0]!.trim().toLowerCase(), params };
}

/** RFC 5987 `UTF-8'lang'percent-encoded` (the only charset clients use); undefined when not decodable. */
function decodeExtValue(value: string): string | undefined {
  const m = /^utf-8'[^']*'(.*)$/is.exec(value);
  try {
    return m ? decodeURIComponent(m[1]!) : undefined;
  } catch {
    return undefined; // malformed percent-encoding or invalid UTF-8
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
