// Pure bulk logic: request bodies from events, and the fate of every item from Elasticsearch's answer.
import { indexFor, type LogEvent } from '../common/event.js';
import type { BulkItemResult, BulkOutcome } from './es-client.js';

export interface IndexItem {
  event: LogEvent;
  /** Where the record came from, for the dead-letter record and commit bookkeeping. */
  ref: { partition: number; offset: string };
  /** The original record value. */
  raw: Buffer;
  /** The original record key (the dead letter keeps it, so a replay lands on the same partition). */
  key: string | null;
  /** The item's two bulk lines, when built ahead (bulkLines); else built with the request. */
  lines?: string;
}

/**
 * The action and document lines of one item. The document is the event minus the wire version; `create` with `_id`
 * = event id, so a re-delivery is a 409. Throws when the document cannot be serialized (JSON.stringify recurses).
 */
export function bulkLines(it: IndexItem, indexPrefix: string): string {
  const { v: _v, ...doc } = it.event;
  return (
    JSON.stringify({ create: { _index: indexFor(indexPrefix, it.event['@timestamp']), _id: it.event.event.id } }) +
    '\n' +
    JSON.stringify(doc) +
    '\n'
  );
}

export function bulkBody(items: IndexItem[], indexPrefix: string): string {
  let out = '';
  for (const it of items) out += it.lines ?? bulkLines(it, indexPrefix);
  return out;
}

export type ItemFate =
  | { fate: 'created' }
  | { fate: 'duplicate' }
  | { fate: 'retry'; reason: string }
  | { fate: 'dead'; status: number; errorType: string; reason: string };

export function classifyItem(r: BulkItemResult): ItemFate {
  if (r.status >= 200 && r.status < 300) return { fate: 'created' };
  if (r.status === 409) return { fate: 'duplicate' };
  if (r.status === 429 || r.status >= 500) return { fate: 'retry', reason: `${r.status} ${r.errorType ?? ''}`.trim() };
  // Refused credentials or privileges (a revoked API key, a role without write on the index) are not the event's
  // fault: retried until fixed, never dead-lettered (that would send every event to the DLQ).
  if (r.status === 401 || r.status === 403)
    return { fate: 'retry', reason: `${r.status} ${r.errorType ?? ''} ${r.errorReason ?? ''}`.trim() };
  return { fate: 'dead', status: r.status, errorType: r.errorType ?? 'unknown', reason: r.errorReason ?? `status ${r.status}` };
}

export type BulkPlan =
  | { kind: 'per_item'; fates: ItemFate[] }
  /** Retry the whole request later (429, 5xx, no connection, refused credentials). */
  | { kind: 'retry_all'; reason: string }
  /** Too large (413) or refused as a whole (400) with more than one item: send the halves apart. */
  | { kind: 'split'; reason: string }
  /** A single item refused as a whole request. */
  | { kind: 'dead_all'; status: number; reason: string };

export function planFromOutcome(o: BulkOutcome, n: number): BulkPlan {
  if (o.kind === 'items') {
    if (o.items.length !== n) return { kind: 'retry_all', reason: `bulk answered ${o.items.length} items for ${n}` };
    return { kind: 'per_item', fates: o.items.map(classifyItem) };
  }
  if (o.status === 0 || o.status === 429 || o.status >= 500 || o.status === 401 || o.status === 403)
    return { kind: 'retry_all', reason: `${o.status || 'no response'}: ${o.reason}` };
  if (n > 1 && (o.status === 413 || o.status === 400)) return { kind: 'split', reason: `${o.status}: ${o.reason}` };
  return { kind: 'dead_all', status: o.status, reason: o.reason };
}
