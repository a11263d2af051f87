// The baseline of the sink benchmark: the same documents the sink would index (same ids, same bodies, same bulk
// size and concurrency, same index template) sent by a minimal fetch loader straight to `_bulk`.
import { decodeEvent } from '../common/event.js';
import { loadConfig } from '../config/loader.js';
import { bulkBody, type IndexItem } from '../sink/bulk.js';
import { chunks } from '../sink/indexer.js';
import { indexTemplate } from '../sink/index-template.js';
import { BROKER, ES } from './lib/env.js';
import { esCount, esJson } from './lib/services.js';

export interface RawBulkResult {
  events: number;
  seconds: number;
  docsPerS: number;
  bulkRequests: number;
  docsPerBulk: number;
  concurrency: number;
  esCount: number;
}

/** The default config with this index prefix and the local stack's addresses: what the sink and the replay share. */
export function sinkCfg(prefix: string) {
  return loadConfig({
    env: {},
    overrides: [
      ['elasticsearch.index_prefix', prefix],
      ['elasticsearch.url', ES],
      ['kafka.brokers', [BROKER]],
    ],
  });
}

/** The bulk bodies the sink would send for these records, cut at max_docs / max_bytes. */
function bodies(events: Buffer[], prefix: string, maxDocs: number, maxBytes: number): string[] {
  const items: IndexItem[] = events.map((raw, i) => ({
    event: decodeEvent(raw),
    ref: { partition: 0, offset: String(i) },
    raw,
    key: null,
  }));
  return chunks(items, maxDocs, maxBytes).map((c) => bulkBody(c, prefix));
}

/** The parts of a _bulk response the raw replay reads (filter_path keeps only these). */
interface BulkResponse {
  errors?: boolean;
  items?: Record<string, { status: number }>[];
}

export async function rawReplay(
  events: Buffer[],
  prefix: string,
  maxDocs: number,
  maxBytes: number,
  concurrency: number,
): Promise<RawBulkResult> {
  const cfg = sinkCfg(prefix);
  await esJson('PUT', `/_index_template/${prefix}-logship`, indexTemplate(cfg));
  const all = bodies(events, prefix, maxDocs, maxBytes);
  let next = 0;
  let created = 0;
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < all.length) {
        const body = all[next++];
        const r = await esJson<BulkResponse>(
          'POST',
          '/_bulk?filter_path=errors,items.*.status,items.*.error.type,items.*.error.reason',
          body,
        );
        for (const it of r.items ?? []) {
          const s = Object.values(it)[0].status;
          if (s >= 200 && s < 300) created++;
        }
        if (r.errors) throw new Error(`raw _bulk: errors in response: ${JSON.stringify(r).slice(0, 400)}`);
      }
    }),
  );
  const seconds = (Date.now() - t0) / 1000;
  return {
    events: created,
    seconds,
    docsPerS: created / seconds,
    bulkRequests: all.length,
    docsPerBulk: events.length / all.length,
    concurrency,
    esCount: await esCount(prefix),
  };
}
