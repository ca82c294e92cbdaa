/** tus's Upload-Metadata header: `key base64(value)` pairs, comma-separated (for hand-made requests and the bench). */
export const uploadMetadata = (pairs: Record<string, string>) =>
  Object.entries(pairs)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
    .join(',');
