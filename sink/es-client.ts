// The Elasticsearch adapter: the only file that imports @elastic/elasticsearch. Everything above it deals in
// plain values (bulk lines in, per-item results out), so swapping the client is a change here.
import fs from 'node:fs';
import { Client, errors } from '@elastic/elasticsearch';
import type { Config } from '../config/types.js';
import { LogshipError } from '../common/errors.js';

export interface BulkItemResult {
  status: number;
  errorType?: string;
  errorReason?: string;
}

export type BulkOutcome =
  | { kind: 'items'; items: BulkItemResult[] }
  /** The request as a whole failed: HTTP status (0 for no response) and why. */
  | { kind: 'request_failed'; status: number; reason: string };

export interface Es {
  /** Never throws: a request that fails as a whole (or is aborted by `signal`) is a `request_failed` outcome. */
  bulk(body: string, signal?: AbortSignal): Promise<BulkOutcome>;
  info(): Promise<{ version: string; clusterName: string }>;
  putIndexTemplate(name: string, body: Record<string, unknown>): Promise<void>;
  getIndexTemplate(name: string): Promise<boolean>;
  search(index: string, body: Record<string, unknown>): Promise<{ hits: Array<{ _id: string; _index: string; _source: Record<string, unknown>; sort?: unknown[] }>; total: number }>;
  count(index: string, query?: Record<string, unknown>): Promise<number>;
  refresh(index: string): Promise<void>;
  listIndices(pattern: string): Promise<string[]>;
  deleteIndex(index: string): Promise<void>;
  close(): Promise<void>;
}

export function createEs(cfg: Config): Es {
  const e = cfg.elasticsearch;
  const client = new Client({
    node: e.url,
    auth: e.api_key ? { apiKey: e.api_key } : e.username ? { username: e.username, password: e.password } : undefined,
    tls: e.ca_file ? { ca: fs.readFileSync(e.ca_file, 'utf8') } : undefined,
    requestTimeout: e.request_timeout_ms,
    // Retries are ours (per item, with backoff, for as long as the sink runs); the client must not resend whole bulks.
    maxRetries: 0,
    compression: false,
  });

  const unavailable = (err: unknown) =>
    new LogshipError('LOGSHIP_ERR_ES_UNAVAILABLE', `Elasticsearch at ${e.url}: ${(err as Error).message}`, { retriable: true, cause: err });

  return {
    async bulk(body, signal) {
      try {
        const res = await client.transport.request<{ errors: boolean; items: Array<Record<string, { status: number; error?: { type: string; reason: string } }>> }>(
          { method: 'POST', path: '/_bulk', body, querystring: { filter_path: 'errors,items.*.status,items.*.error.type,items.*.error.reason' } },
          { headers: { 'content-type': 'application/x-ndjson' }, signal },
        );
        const items = (res.items ?? []).map((it) => {
          const r = Object.values(it)[0];
          return { status: r.status, errorType: r.error?.type, errorReason: r.error?.reason };
        });
        return { kind: 'items', items };
      } catch (err) {
        if (err instanceof errors.ResponseError) {
          return { kind: 'request_failed', status: err.statusCode ?? 0, reason: String((err.body as { error?: { reason?: string } })?.error?.reason ?? err.message) };
        }
        return { kind: 'request_failed', status: 0, reason: (err as Error).message };
      }
    },
    async info() {
      // Not GET /: the integ-test-zip distribution has no root endpoint (it lives in a module it leaves out).
      try {
        const r = await client.transport.request<{ cluster_name: string; nodes: Record<string, { version: string }> }>({
          method: 'GET', path: '/_nodes/_local', querystring: { filter_path: 'cluster_name,nodes.*.version' },
        });
        return { version: Object.values(r.nodes ?? {})[0]?.version ?? 'unknown', clusterName: r.cluster_name };
      } catch (err) {
        throw unavailable(err);
      }
    },
    async putIndexTemplate(name, body) {
      try {
        await client.transport.request({ method: 'PUT', path: `/_index_template/${encodeURIComponent(name)}`, body });
      } catch (err) {
        if (err instanceof errors.ResponseError && err.statusCode && err.statusCode < 500)
          throw new LogshipError('LOGSHIP_ERR_ES_REQUEST', `index template ${name} refused: ${JSON.stringify(err.body)}`);
        throw unavailable(err);
      }
    },
    async getIndexTemplate(name) {
      try {
        await client.transport.request({ method: 'GET', path: `/_index_template/${encodeURIComponent(name)}` });
        return true;
      } catch (err) {
        if (err instanceof errors.ResponseError && err.statusCode === 404) return false;
        throw unavailable(err);
      }
    },
    async search(index, body) {
      try {
        const r = await client.transport.request<{ hits: { total: { value: number }; hits: Array<{ _id: string; _index: string; _source: Record<string, unknown>; sort?: unknown[] }> } }>({
          method: 'POST',
          path: `/${index}/_search`,
          body,
          querystring: { ignore_unavailable: true, allow_no_indices: true },
        });
        return { hits: r.hits.hits, total: r.hits.total?.value ?? r.hits.hits.length };
      } catch (err) {
        if (err instanceof errors.ResponseError && err.statusCode === 400)
          throw new LogshipError('LOGSHIP_ERR_ES_REQUEST', `search refused: ${JSON.stringify((err.body as { error?: unknown })?.error ?? err.body)}`);
        throw unavailable(err);
      }
    },
    async count(index, query) {
      try {
        const r = await client.transport.request<{ count: number }>({
          method: 'POST', path: `/${index}/_count`, body: query ? { query } : undefined, querystring: { ignore_unavailable: true, allow_no_indices: true },
        });
        return r.count;
      } catch (err) {
        throw unavailable(err);
      }
    },
    async refresh(index) {
      try {
        await client.transport.request({ method: 'POST', path: `/${index}/_refresh`, querystring: { ignore_unavailable: true, allow_no_indices: true } });
      } catch (err) {
        throw unavailable(err);
      }
    },
    async listIndices(pattern) {
      try {
        const r = await client.transport.request<Array<{ index: string }>>({ method: 'GET', path: `/_cat/indices/${pattern}`, querystring: { format: 'json', h: 'index' } });
        return r.map((x) => x.index).sort();
      } catch (err) {
        if (err instanceof errors.ResponseError && err.statusCode === 404) return [];
        throw unavailable(err);
      }
    },
    async deleteIndex(index) {
      try {
        await client.transport.request({ method: 'DELETE', path: `/${index}`, querystring: { ignore_unavailable: true } });
      } catch (err) {
        throw unavailable(err);
      }
    },
    close: () => client.close(),
  };
}
