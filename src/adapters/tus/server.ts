import { Readable } from 'node:stream';
import { ERRORS, MemoryLocker, Metadata, Server, type Locker, type Upload } from '@tus/server';
import { JOB_ID } from '../../core/media-jobs.js';
import { isAppError } from '../../core/errors.js';
import { storageUnavailable } from '../../core/storage-guard.js';
import { newRandomPart } from '../../core/keys.js';
import type { Logger } from '../../core/ports.js';
import type { ResumableUploadHooks, ResumableUploads, StagedUpload } from '../../core/resumable-uploads.js';
import type { StagingStore } from './stores.js';

/** Where tus is mounted; the upload URLs are this plus the upload's id. */
export const TUS_PATH = '/v1/uploads';

/** The metadata key the server sets at creation (whatever a client sent under it is replaced): who owns the upload. */
const OWNER = 'owner';

export interface TusServerOptions {
  /** Where uploads are staged; its expiration period is the uploads' lifetime. */
  datastore: StagingStore;
  /** Put before every id in the store (the bucket's staging prefix); URLs and jobs use the id without it. */
  prefix: string;
  /** The store is the media bucket (under `prefix`): a finished upload is an object the media store can copy. */
  inMediaBucket?: boolean;
  /** Upload URLs (Location) start with this, never with what the request's Host says (PUBLIC_BASE_URL). */
  publicBaseUrl: string;
  /**
   * Who may work on an upload at a time. Default: @tus/server's MemoryLocker, which holds its locks in this
   * process only; instances sharing a bucket need a locker they share.
   */
  locker?: Locker;
}

/** What one request carries through @tus/server's hooks: its hooks, and a refusal of ours to throw once it returns. */
interface InFlight {
  hooks: ResumableUploadHooks;
  refusal?: unknown;
}

/**
 * tus 1.0 by @tus/server (core protocol, creation, creation-with-upload, termination, expiration): the one place
 * its server is built, so that everything it is given (the store, the locker, how URLs and ids are made, the
 * hooks) is seen together.
 */
export function createTusServer(options: TusServerOptions & { logger: Logger }, inFlight: WeakMap<Request, InFlight>): Server {
  const { datastore, prefix, logger } = options;
  const hooksOf = (req: Request) => inFlight.get(req)!.hooks;
  const locker = options.locker ?? new MemoryLocker();
  // An upload being created cannot be reached by any other request before its POST is answered (its id is new and
  // random), so @tus/server's lock for that POST is taken in this process, sparing the shared locker (the bucket's:
  // a write and a delete) for the requests that can race.
  const creating = new Set<string>();
  return new Server({
    path: TUS_PATH,
    datastore,
    locker: { newLock: (id) => (creating.delete(id) ? new MemoryLocker().newLock(id) : locker.newLock(id)) },
    namingFunction: () => {
      const id = prefix + newRandomPart();
      creating.add(id); // until its lock is asked for, or its creation refused (onUploadCreate)
      return id;
    },
    getFileIdFromRequest: (_req, last) => (last && JOB_ID.test(last) ? prefix + last : undefined),
    generateUrl: (_req, { id }) => `${options.publicBaseUrl}${TUS_PATH}/${id.slice(prefix.length)}`,
    // CORS is the app's (CORS_ORIGINS), on every reply: @tus/server's own default would allow every origin.
    allowedOrigins: () => false,
    // A finished upload is being hosted (or has been): a DELETE can no longer cancel that, so it is refused (400)
    // rather than answered 204 while the media is made anyway, or its bytes taken from under its job.
    disableTerminationForFinishedUploads: true,
    async onUploadCreate(req, upload) {
      const hooks = hooksOf(req as Request);
      const metadata = clientMetadata(upload.metadata);
      try {
        // Upload-Length is always there: the stores take no deferred length (see stores.ts).
        hooks.onCreate({ size: upload.size!, metadata });
      } catch (err) {
        creating.delete(upload.id);
        throw err;
      }
      return { metadata: { ...metadata, [OWNER]: hooks.owner } };
    },
    async onIncomingRequest(req, id) {
      if (req.method === 'POST') return; // creation: the id was only just made
      const upload = await datastore.describe(id).catch((err: unknown) => {
        throw storageUnavailable('read a resumable upload', err, logger); // 503: tus clients retry
      });
      hooksOf(req as Request).onAccess(id.slice(prefix.length), upload ? (upload.metadata?.[OWNER] ?? null) : null);
    },
    async onUploadFinish(req, upload) {
      // A PATCH from the last offset carries no bytes: the upload was finished, and hosted, by an earlier request.
      if (req.method === 'PATCH' && (req as Request).headers.get('upload-offset') === String(upload.size)) return {};
      await hooksOf(req as Request).onFinish(staged(upload, prefix)).catch((err: unknown) => {
        inFlight.get(req as Request)!.refusal = err; // the hook's own outcome, whatever it is
        throw err;
      });
      return {};
    },
    // Anything that is not one of tus's own errors is thrown by handle() instead: a refusal or failure of our hooks
    // as it is, and any other (the store's or the locker's calls to the bucket or the disk failing) as the 503 that
    // tus clients retry after, like every storage failure.
    onResponseError(req, err) {
      if (typeof (err as { status_code?: unknown }).status_code === 'number') return undefined;
      inFlight.get(req as Request)!.refusal ??= isAppError(err) ? err : storageUnavailable('stage a resumable upload', err, logger);
      return undefined;
    },
  });
}

/** The port http reaches tus through; see ResumableUploads. */
export class TusUploads implements ResumableUploads {
  private readonly inFlight = new WeakMap<Request, InFlight>();
  private readonly server: Server;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: TusServerOptions & { logger: Logger }) {
    this.server = createTusServer(options, this.inFlight);
    const expiry = options.datastore.getExpiration();
    // Expired uploads already answer 410; the sweep frees their storage, at least once an hour.
    this.sweeper = setInterval(() => void this.sweep(), Math.min(expiry, 3_600_000)).unref();
  }

  async handle(request: Request, hooks: ResumableUploadHooks): Promise<Response> {
    const state: InFlight = { hooks };
    this.inFlight.set(request, state);
    let response: Response | undefined;
    try {
      response = await this.server.handleWeb(request as Parameters<Server['handleWeb']>[0]);
    } finally {
      const id = uploadIdOf(response?.headers.get('location') ?? request.url);
      if (id) await this.options.datastore.forget(this.options.prefix + id).catch(() => undefined);
    }
    if (state.refusal !== undefined) throw state.refusal;
    // HEAD returns the metadata: the owner is the server's, not the client's.
    const metadata = response.headers.get('upload-metadata');
    const shown = metadata && Metadata.stringify(withoutOwner(Metadata.parse(metadata)));
    if (shown) response.headers.set('upload-metadata', shown);
    else response.headers.delete('upload-metadata');
    return response;
  }

  async find(id: string): Promise<StagedUpload | null> {
    const { datastore, prefix } = this.options;
    try {
      const upload = await datastore.getUpload(prefix + id);
      const created = Date.parse(upload.creation_date ?? '');
      if (upload.offset < (upload.size ?? 0) && created + datastore.getExpiration() < Date.now()) return null; // expired
      return staged(upload, prefix);
    } catch (err) {
      if (err === ERRORS.FILE_NOT_FOUND || err === ERRORS.FILE_NO_LONGER_EXISTS) return null;
      throw err;
    } finally {
      await datastore.forget(prefix + id).catch(() => undefined); // as after every request (see handle)
    }
  }

  async read(id: string): Promise<{ body: ReadableStream<Uint8Array>; etag?: string }> {
    const { body, etag } = await this.options.datastore.readFinished(this.options.prefix + id);
    return { body: Readable.toWeb(body) as ReadableStream<Uint8Array>, etag };
  }

  storeKey(id: string): string | undefined {
    return this.options.inMediaBucket ? this.options.prefix + id : undefined;
  }

  remove(id: string, options: { finished?: boolean } = {}): Promise<void> {
    const { datastore, prefix } = this.options;
    return options.finished ? datastore.removeFinished(prefix + id) : datastore.remove(prefix + id);
  }

  /** Removes the uploads whose time is up (@tus/server's expiration); a failure is logged and tried again next time. */
  async sweep(): Promise<void> {
    try {
      const removed = await this.server.cleanUpExpiredUploads();
      if (removed > 0) this.options.logger.info('removed expired resumable uploads', { removed });
    } catch (err) {
      this.options.logger.warn('could not remove expired resumable uploads', { error: (err as Error)?.message ?? String(err) });
    }
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}

/** The upload id at the end of an upload's URL (a request's, or a creation's Location); undefined for any other. */
function uploadIdOf(url: string): string | undefined {
  const last = new URL(url, 'http://x').pathname.split('/').pop();
  return last && JOB_ID.test(last) ? last : undefined;
}

/** Upload-Metadata as the client sent it: a key without a value reads as "". */
function clientMetadata(metadata: Upload['metadata']): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, value ?? '']));
}

function withoutOwner(metadata: Upload['metadata']): Record<string, string | null> {
  const { [OWNER]: _owner, ...rest } = metadata ?? {};
  return rest;
}

function staged(upload: Upload, prefix: string): StagedUpload {
  return {
    id: upload.id.slice(prefix.length),
    size: upload.size ?? 0,
    offset: upload.offset,
    metadata: clientMetadata(withoutOwner(upload.metadata)),
    owner: upload.metadata?.[OWNER] ?? '',
  };
}
