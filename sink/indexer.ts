// Indexes a set of items until every one is done: created, duplicate (409), or dead (to the DLQ). Only failed
// items are retried, with jittered exponential backoff, for as long as the sink runs; a whole request that fails
// is retried as a whole; 413 splits it. Never drops an item.
import { backoffMs, sleep } from '../common/backoff.js';
import { bulkBody, planFromOutcome, type IndexItem } from './bulk.js';
import type { Es } from './es-client.js';

export interface DeadItem { item: IndexItem; status: number; errorType: string; reason: string }

export interface IndexResult {
  created: number;
  duplicate: number;
  dead: DeadItem[];
  /** Items not finished because the signal aborted (shutdown, rebalance). Not done: not to be committed. */
  unfinished: IndexItem[];
  /** Items that went through at least one retry. */
  retried: number;
}

export interface IndexerOptions {
  es: Es;
  indexPrefix: string;
  maxDocs: number;
  maxBytes: number;
  concurrency: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /** Called while waiting, so the consumer keeps its group membership (heartbeat). */
  keepAlive?: () => Promise<void>;
  onBulk?: (docs: number, ms: number, outcome: string) => void;
  onRetry?: (items: number, reason: string, attempt: number) => void;
  signal?: AbortSignal;
}

function chunks(items: IndexItem[], maxDocs: number, maxBytes: number): IndexItem[][] {
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

export async function indexAll(items: IndexItem[], o: IndexerOptions): Promise<IndexResult> {
  const res: IndexResult = { created: 0, duplicate: 0, dead: [], unfinished: [], retried: 0 };
  const retriedSet = new Set<IndexItem>();
  let pending = chunks(items, o.maxDocs, o.maxBytes);
  let attempt = 0;
  while (pending.length > 0) {
    if (o.signal?.aborted) {
      res.unfinished = pending.flat();
      break;
    }
    const retry: IndexItem[] = [];
    let retryReason = '';
    const work = [...pending];
    pending = [];
    const runOne = async (chunk: IndexItem[]) => {
      const t0 = Date.now();
      const outcome = await o.es.bulk(bulkBody(chunk, o.indexPrefix));
      const plan = planFromOutcome(outcome, chunk.length);
      o.onBulk?.(chunk.length, Date.now() - t0, plan.kind);
      switch (plan.kind) {
        case 'per_item':
          plan.fates.forEach((f, i) => {
            if (f.fate === 'created') res.created++;
            else if (f.fate === 'duplicate') res.duplicate++;
            else if (f.fate === 'retry') {
              retry.push(chunk[i]);
              retryReason = f.reason;
            } else res.dead.push({ item: chunk[i], status: f.status, errorType: f.errorType, reason: f.reason });
          });
          break;
        case 'retry_all':
          retry.push(...chunk);
          retryReason = plan.reason;
          break;
        case 'split': {
          const mid = Math.ceil(chunk.length / 2);
          pending.push(chunk.slice(0, mid), chunk.slice(mid));
          break;
        }
        case 'dead_all':
          for (const it of chunk) res.dead.push({ item: it, status: plan.status, errorType: 'request_refused', reason: plan.reason });
          break;
      }
    };
    // Several bulk requests in flight.
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(o.concurrency, work.length) }, async () => {
        while (next < work.length) await runOne(work[next++]);
      }),
    );
    if (retry.length > 0) {
      for (const it of retry) retriedSet.add(it);
      o.onRetry?.(retry.length, retryReason, attempt + 1);
      const wait = backoffMs(attempt++, o.retryInitialMs, o.retryMaxMs);
      const until = Date.now() + wait;
      while (Date.now() < until && !o.signal?.aborted) {
        await sleep(Math.min(1000, until - Date.now()), o.signal);
        await o.keepAlive?.();
      }
      pending.push(...chunks(retry, o.maxDocs, o.maxBytes));
    } else {
      attempt = 0;
    }
  }
  res.retried = retriedSet.size;
  return res;
}
