import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { PendingDirectUpload, UploadTargets } from '../core/ports.js';

/**
 * Direct uploads straight to an S3 bucket (AWS, R2's S3 API, MinIO): a presigned PutObject whose signature covers
 * Content-Length, so the store itself refuses a body of any other length (403 SignatureDoesNotMatch), and an
 * expired URL. A PUT, not a presigned POST: R2 has no POST policies.
 */
export class S3UploadTargets implements UploadTargets {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async target(upload: PendingDirectUpload): Promise<{ url: string; headers: Record<string, string> }> {
    // SigV4 signs whole seconds (X-Amz-Date): start from the same second, so the URL expires when expiresAt says.
    const signingDate = new Date(Math.floor(Date.now() / 1000) * 1000);
    const expiresIn = Math.max(1, Math.floor((upload.expiresAt.getTime() - signingDate.getTime()) / 1000));
    const command = new PutObjectCommand({ Bucket: this.bucket, Key: upload.key, ContentLength: upload.size });
    const url = await getSignedUrl(this.client, command, { expiresIn, signingDate, signableHeaders: new Set(['content-length']) });
    return { url, headers: { 'content-length': String(upload.size) } };
  }
}
