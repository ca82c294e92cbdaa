import type { LifecycleRule } from '@aws-sdk/client-s3';
import { UPLOADS_PREFIX } from '../core/keys.js';

/**
 * The bucket's lifecycle rules that mms-media owns (by ID): what they should be, how they read in a log line, and
 * how a rule found in the bucket compares with them. setup:bucket (bucket-setup.ts) reads, merges and writes them.
 */

export const EXPIRE_RULE_ID = 'mms-media-expire';
export const ABORT_RULE_ID = 'mms-media-abort-incomplete-multipart';
export const STAGED_RULE_ID = 'mms-media-expire-staged-uploads';
export const ABORT_INCOMPLETE_AFTER_DAYS = 1;
export const OUR_IDS = new Set([EXPIRE_RULE_ID, ABORT_RULE_ID, STAGED_RULE_ID]);

export function desiredRules(retentionDays: number, stagedUploadDays = 1): LifecycleRule[] {
  return [
    { ID: EXPIRE_RULE_ID, Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: retentionDays } },
    {
      ID: ABORT_RULE_ID,
      Status: 'Enabled',
      Filter: { Prefix: '' },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: Math.max(ABORT_INCOMPLETE_AFTER_DAYS, stagedUploadDays) },
    },
    // The service removes expired uploads itself; this catches what an instance that stopped left behind.
    { ID: STAGED_RULE_ID, Status: 'Enabled', Filter: { Prefix: UPLOADS_PREFIX }, Expiration: { Days: stagedUploadDays } },
  ];
}

export const dayCount = (n: number) => `${n} day${n === 1 ? '' : 's'}`;

export function describeRule(rule: LifecycleRule): string {
  const actions: string[] = [];
  if (rule.Expiration?.Days !== undefined) actions.push(`expire after ${dayCount(rule.Expiration.Days)}`);
  if (rule.Expiration?.Date) actions.push(`expire on ${new Date(rule.Expiration.Date).toISOString().slice(0, 10)}`);
  if (rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation !== undefined) {
    actions.push(`abort incomplete multipart uploads after ${dayCount(rule.AbortIncompleteMultipartUpload.DaysAfterInitiation)}`);
  }
  if (rule.Transitions?.length) actions.push(`${rule.Transitions.length} transition(s)`);
  if (rule.NoncurrentVersionExpiration) actions.push('noncurrent-version expiry');
  const prefix = rule.Filter?.Prefix ?? rule.Filter?.And?.Prefix ?? rule.Prefix ?? '';
  const tagged = rule.Filter?.Tag || rule.Filter?.And?.Tags?.length;
  const scope = (prefix ? `prefix "${prefix}"` : 'whole bucket') + (tagged ? ', tagged objects only' : '');
  return `${rule.ID ?? '(no id)'}: ${actions.join(', ') || 'no action'} (${scope}${rule.Status === 'Enabled' ? '' : `, ${rule.Status}`})`;
}

/** The keys the service writes are `<id>.<ext>`, `idempotency/<key>.json` and `_setup/…`; none has tags. */
export function mayApplyToOurKeys(rule: LifecycleRule): boolean {
  if (rule.Filter?.Tag || rule.Filter?.And?.Tags?.length) return false;
  const prefix = rule.Filter?.Prefix ?? rule.Filter?.And?.Prefix ?? rule.Prefix ?? '';
  return /^[A-Za-z0-9_-]*(\.[a-z0-9]*)?$/.test(prefix) || 'idempotency/'.startsWith(prefix) || prefix.startsWith('idempotency/');
}

/** A rule as a stable string, so that `{}`/`{Prefix: ''}` filters and empty lists compare equal. */
export function canonical(rule: LifecycleRule): string {
  const { Filter, Prefix, ...rest } = rule;
  const filter = { ...Filter, Prefix: Filter?.Prefix ?? Prefix ?? '' };
  return stableJson({ ...rest, Filter: filter });
}

function stableJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

