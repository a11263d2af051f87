// Indexes a set of items until every one is done: created, duplicate (409), or dead (to the DLQ). Only failed
// items are retried, with jittered exponential backoff, for as long as the sink runs; a whole request that fails
// is retried as a whole; 413 splits it. Never drops an item: what the signal cut short is returned as unfinished.
import { backoffMs, sleep } from '../common/backoff.js';
import { bulkBody, planFromOutcome, type IndexItem } from './bulk.js';
import type { BulkOutcome, Es } from './es-client.js';

export interface DeadItem {
  item: IndexItem;
  status: number;
  errorType: string;
  reason: string;
}

export interface IndexResult {
  created: number;
  duplicate: number;
  dead: DeadItem[];
  /** Items not finished because the signal aborted (shutdown, rebalance). Not done: not to be committed. */
  unfinished: IndexItem[];
  /** Items that went through at least one retry. */
  retried: number;
}

/** Runs `fn` when a slot is free: bounds the bulk requests in flight across every partition being worked on. */
export type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

export function createLimiter(max: number): Limiter {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next)
        next(); // the slot passes straight to the next waiter
      else running--;
    }
  };
}

export interface IndexerOptions {
  es: Es;
  indexPrefix: string;
  maxDocs: number;
  maxBytes: number;
  concurrency: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /** Shared by all partitions' batches, so `concurrency` bounds the process, not each partition. */
  limit?: Limiter;
  onBulk?: (docs: number, ms: number, outcome: string) => void;
  /** Per bulk response: the items now done for good (created or duplicate), so the caller can count and commit early. */
  onSettled?: (items: IndexItem[], created: number, duplicate: number) => void;
  /** Before a backoff: `items` to send again, of which `refusedItems` were refused item by item (the rest with their request). */
  onRetry?: (items: number, refusedItems: number, reason: string, attempt: number) => void;
  /** Aborts in-flight requests and backoff waits; what is not done is returned as `unfinished`. */
  signal?: AbortSignal;
}

export function chunks(items: IndexItem[], maxDocs: number, maxBytes: number): IndexItem[][] {
  const out: IndexItem[][] = [];
  let cur: IndexItem[] = [];
  let bytes = 0;
  for (const it of items) {
    const b = it.raw.length + 120;
    if (cur.length > 0 && (cur.length >= maxDocs || bytes + b > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(it);
    bytes += b;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

const ABORTED: BulkOutcome = { kind: 'request_failed', status: 0, reason: 'aborted' };

export async function indexAll(items: IndexItem[], o: IndexerOptions): Promise<IndexResult> {
  const res: IndexResult = { created: 0, duplicate: 0, dead: [], unfinished: [], retried: 0 };
  const retriedSet = new Set<IndexItem>();
  const aborted = () => o.signal?.aborted === true;
  let pending = chunks(items, o.maxDocs, o.maxBytes);
  let attempt = 0;
  while (pending.length > 0) {
    if (aborted()) {
      res.unfinished.push(...pending.flat());
      break;
    }
    const retry: IndexItem[] = [];
    let refusedItems = 0;
    let retryReason = '';
    const work = pending;
    pending = [];
    const send = (body: string) => (aborted() ? Promise.resolve(ABORTED) : o.es.bulk(body, o.signal));
    const runOne = async (chunk: IndexItem[]) => {
      const t0 = Date.now();
      const body = bulkBody(chunk, o.indexPrefix);
      const outcome = await (o.limit ? o.limit(() => send(body)) : send(body));
      if (outcome.kind === 'request_failed' && aborted()) {
        // Cut short by the signal (the request may or may not have been applied: a re-delivery answers 409).
        retry.push(...chunk);
        return;
      }
      const plan = planFromOutcome(outcome, chunk.length);
      o.onBulk?.(chunk.length, Date.now() - t0, plan.kind);
      switch (plan.kind) {
        case 'per_item': {
          // HTTP 200 with errors: true is read item by item: only the items that failed retriably are sent again.
          const settled: IndexItem[] = [];
          let created = 0;
          let duplicate = 0;
          plan.fates.forEach((f, i) => {
            if (f.fate === 'created') {
              created++;
              settled.push(chunk[i]);
            } else if (f.fate === 'duplicate') {
              duplicate++;
              settled.push(chunk[i]);
            } else if (f.fate === 'retry') {
              retry.push(chunk[i]);
              refusedItems++;
              retryReason = f.reason;
            } else res.dead.push({ item: chunk[i], status: f.status, errorType: f.errorType, reason: f.reason });
          });
          res.created += created;
          res.duplicate += duplicate;
          if (settled.length > 0) o.onSettled?.(settled, created, duplicate);
          break;
        }
        case 'retry_all':
          retry.push(...chunk);
          retryReason = plan.reason;
          break;
        case 'split': {
          // Sent again at once (no backoff): the halves are smaller, not the same request.
          const mid = Math.ceil(chunk.length / 2);
          pending.push(chunk.slice(0, mid), chunk.slice(mid));
          break;
        }
        case 'dead_all':
          for (const it of chunk) res.dead.push({ item: it, status: plan.status, errorType: 'request_refused', reason: plan.reason });
          break;
      }
    };
    // Several bulk requests in flight (bounded by the shared limiter when there is one).
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(o.concurrency, work.length) }, async () => {
        while (next < work.length) await runOne(work[next++]);
      }),
    );
    if (retry.length === 0) {
      attempt = 0;
      continue;
    }
    if (aborted()) {
      res.unfinished.push(...retry, ...pending.flat());
      break;
    }
    for (const it of retry) retriedSet.add(it);
    o.onRetry?.(retry.length, refusedItems, retryReason, attempt + 1);
    await sleep(backoffMs(attempt++, o.retryInitialMs, o.retryMaxMs), o.signal);
    pending.push(...chunks(retry, o.maxDocs, o.maxBytes));
  }
  res.retried = retriedSet.size;
  return res;
}
