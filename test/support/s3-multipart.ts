/**
 * Multipart calls the S3 emulator (@20minutes/s3rver@4) lacks and @tus/s3-store makes, answered from the
 * emulator's own files as S3 answers them: ListParts (`GET /<bucket>/<key>?uploadId=`), AbortMultipartUpload
 * (`DELETE /<bucket>/<key>?uploadId=`, 405 in the emulator) and ListMultipartUploads (`GET /<bucket>?uploads`).
 * A pending upload is `<dir>/<bucket>/._S3rver_uploads/<uploadId>/`, holding `key`, and each part as `<n>` with
 * its MD5 in `<n>.md5`.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

interface Ctx {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  type: string;
}

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function multipartGaps(dir: string) {
  return async (ctx: Ctx, next: () => Promise<void>): Promise<void> => {
    const m = /^\/([^/]+)(?:\/(.*))?$/.exec(ctx.path);
    if (!m) return next();
    const [, bucket, rawKey] = m;
    const uploads = join(dir, bucket!, '._S3rver_uploads');
    if (!rawKey && ctx.method === 'GET' && ctx.query.uploads !== undefined) return listUploads(ctx, bucket!, uploads);
    const uploadId = typeof ctx.query.uploadId === 'string' ? ctx.query.uploadId : undefined;
    if (!rawKey || !uploadId || !/^[\w-]+$/.test(uploadId)) return next();
    const folder = join(uploads, uploadId);
    if (ctx.method !== 'GET' && ctx.method !== 'DELETE') return next();
    if ((await stat(folder).catch(() => null)) === null) return xml(ctx, 404, `<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>`);
    if (ctx.method === 'DELETE') {
      await rm(folder, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = null;
      return;
    }
    const key = decodeURIComponent(rawKey);
    const numbers = (await readdir(folder)).filter((f) => /^\d+$/.test(f)).map(Number).sort((a, b) => a - b);
    const parts = await Promise.all(
      numbers.map(async (n) => {
        const [info, md5] = await Promise.all([stat(join(folder, String(n))), readFile(join(folder, `${n}.md5`), 'utf8')]);
        return `<Part><PartNumber>${n}</PartNumber><LastModified>${info.mtime.toISOString()}</LastModified><ETag>"${md5.trim()}"</ETag><Size>${info.size}</Size></Part>`;
      }),
    );
    xml(ctx, 200, `<ListPartsResult xmlns="${XMLNS}"><Bucket>${bucket}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${uploadId}</UploadId><PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>${numbers.at(-1) ?? 0}</NextPartNumberMarker><MaxParts>1000</MaxParts><IsTruncated>false</IsTruncated>${parts.join('')}</ListPartsResult>`);
  };
}

async function listUploads(ctx: Ctx, bucket: string, uploads: string): Promise<void> {
  const ids = await readdir(uploads).catch(() => [] as string[]);
  const entries = await Promise.all(
    ids.map(async (id) => {
      const file = join(uploads, id, 'key');
      const [key, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
      return `<Upload><Key>${escapeXml(key)}</Key><UploadId>${id}</UploadId><Initiated>${info.birthtime.toISOString()}</Initiated></Upload>`;
    }),
  );
  xml(ctx, 200, `<ListMultipartUploadsResult xmlns="${XMLNS}"><Bucket>${bucket}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>${entries.join('')}</ListMultipartUploadsResult>`);
}

function xml(ctx: Ctx, status: number, body: string): void {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
}
