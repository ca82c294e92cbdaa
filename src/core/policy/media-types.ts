/**
 * What the send endpoint accepts: the one table every check reads. Sizes are decimal megabytes (5 MB =
 * 5,000,000 bytes), the conservative reading of the endpoint's "5 MB".
 */
export type MediaKind = 'image' | 'video' | 'audio' | 'document';

export interface MediaType {
  extension: string;
  contentType: string;
  kind: MediaKind;
  maxBytes: number;
}

export const MB = 1_000_000;

export const MEDIA_TYPES: readonly MediaType[] = [
  { extension: 'jpg', contentType: 'image/jpeg', kind: 'image', maxBytes: 5 * MB },
  { extension: 'png', contentType: 'image/png', kind: 'image', maxBytes: 5 * MB },
  { extension: 'gif', contentType: 'image/gif', kind: 'image', maxBytes: 5 * MB },
  { extension: 'mp4', contentType: 'video/mp4', kind: 'video', maxBytes: 10 * MB },
  { extension: '3gp', contentType: 'video/3gpp', kind: 'video', maxBytes: 10 * MB },
  { extension: 'mp3', contentType: 'audio/mpeg', kind: 'audio', maxBytes: 5 * MB },
  { extension: 'wav', contentType: 'audio/wav', kind: 'audio', maxBytes: 5 * MB },
  { extension: 'ogg', contentType: 'audio/ogg', kind: 'audio', maxBytes: 5 * MB },
  { extension: 'pdf', contentType: 'application/pdf', kind: 'document', maxBytes: 5 * MB },
];

/** The largest file of any kind the endpoint takes. */
export const MAX_MEDIA_BYTES = Math.max(...MEDIA_TYPES.map((t) => t.maxBytes));

/** The largest file of one kind the endpoint takes (e.g. 5 MB for images): what a file of that kind may be when sent as it is. */
export function endpointBytes(kind: MediaKind): number {
  return Math.max(...MEDIA_TYPES.filter((t) => t.kind === kind).map((t) => t.maxBytes));
}

/** file-type names a few carrier formats differently; these are the same bytes under another name. */
const ALIASES: Record<string, string> = { jpeg: 'jpg', oga: 'ogg', opus: 'ogg' };

export function mediaTypeForExtension(ext: string): MediaType | undefined {
  const name = ALIASES[ext.toLowerCase()] ?? ext.toLowerCase();
  return MEDIA_TYPES.find((t) => t.extension === name);
}

/**
 * What the endpoint takes, for messages: consecutive types of the same kind grouped with their size limit,
 * e.g. "jpg, png, gif (5 MB); mp4, 3gp (10 MB); …". Derived from MEDIA_TYPES, so it cannot drift from it.
 */
export const SUPPORTED_LIST = MEDIA_TYPES.reduce<MediaType[][]>((groups, t) => {
  const last = groups[groups.length - 1];
  if (last && last[0]!.kind === t.kind && last[0]!.maxBytes === t.maxBytes) last.push(t);
  else groups.push([t]);
  return groups;
}, [])
  .map((g) => `${g.map((t) => t.extension).join(', ')} (${g[0]!.maxBytes / MB} MB)`)
  .join('; ');
