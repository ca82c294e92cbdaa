import { formatBytes } from '../core/errors.js';
import type { PreflightReport } from '../core/preflight-checks.js';
import type { Media } from '../core/media-record.js';
import { describeMedia } from './words.js';

/** The send route's 2xx reply: the endpoint's own fields, plus what the service hosted and found. */
export interface SendReply {
  success?: boolean;
  message?: string;
  phone_number?: string;
  campaign_id?: string;
  media_url?: string;
  dry_run?: boolean;
  media?: Media & { rehosted?: boolean };
  preflight?: PreflightReport;
  [key: string]: unknown;
}

/** "Sent …" or "Dry run …", then what was hosted and any warning the URL check raised. */
export function describeSend(reply: SendReply): string {
  const to = `to ${reply.phone_number ?? '?'} (campaign ${reply.campaign_id ?? '?'})`;
  const head = reply.dry_run
    ? `Dry run: nothing was sent ${to}; the service has no TELI_API_KEY. Media: ${reply.media_url ?? '?'}`
    : `Sent ${to}: ${reply.message ?? 'accepted by the send endpoint'}. Media: ${reply.media_url ?? '?'}`;
  const lines = [head];
  if (reply.media?.rehosted) lines.push(`  hosted a fixed copy of the link: ${describeMedia(reply.media)}`);
  for (const p of reply.preflight?.problems ?? []) lines.push(`  ${p.severity === 'warning' ? 'note' : 'fixed by hosting'}: ${p.message}`);
  return lines.join('\n');
}

/** The preflight report in plain words: the verdict, what the file is, and each problem with its fix. */
export function describePreflight(report: PreflightReport): string {
  const errors = report.problems.filter((p) => p.severity === 'error');
  const verdict = report.ok
    ? `OK: carriers can fetch and deliver ${report.media_url}.`
    : `Not deliverable as it is: ${report.media_url}`;
  const lines = [verdict];
  const what = whatItIs(report);
  if (what) lines.push(`  ${what}`);
  // Errors first: they decide the verdict.
  const ordered = [...errors, ...report.problems.filter((p) => p.severity !== 'error')];
  for (const p of ordered) {
    lines.push(`  ${p.severity === 'error' ? 'Problem' : 'Warning'}: ${p.message}`);
    lines.push(`    Fix: ${p.fix}`);
  }
  if (!report.ok && report.fetchable && errors.every((p) => p.rehostable)) {
    lines.push('  mms-media send fixes this by hosting a copy (the service does it when the link is sent).');
  }
  return lines.join('\n');
}

function whatItIs(report: PreflightReport): string | undefined {
  if (!report.detected) return undefined;
  const size = report.size === null ? 'size unknown' : formatBytes(report.size);
  const served = report.content_type ? `, served as ${report.content_type}` : '';
  return `It is ${report.detected.extension.toUpperCase()} (${report.detected.content_type}), ${size}${served}.`;
}
