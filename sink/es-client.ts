// The Elasticsearch adapter: the only file that imports @elastic/elasticsearch. Everything above it deals in
// plain values (bulk lines in, per-item results out), so swapping the client is a change here.
import { Client, errors } from '@elastic/elasticsearch';
import type { Config } from '../config/types.js';
import { readConfigFile } from '../config/loader.js';
import { LogshipError } from '../common/errors.js';
import { tlsTrustProblem } from '../common/tls-probe.js';

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
  search(
    index: string,
    body: Record<string, unknown>,
  ): Promise<{
    hits: Array<{ _id: string; _index: string; _source: Record<string, unknown>; sort?: unknown[] }>;
    total: number;
    /** The body's `aggs`, as Elasticsearch answered them (absent when it asked for none). */
    aggregations?: Record<string, unknown>;
  }>;
  count(index: string, query?: Record<string, unknown>): Promise<number>;
  refresh(index: string): Promise<void>;
  listIndices(pattern: string): Promise<string[]>;
  deleteIndex(index: string): Promise<void>;
  close(): Promise<void>;
}

export function createEs(cfg: Config): Es {
  const e = cfg.elasticsearch;
  // Without ca_file, Node's built-in public CAs verify an https URL.
  const ca = e.ca_file ? readConfigFile(e.ca_file, 'elasticsearch.ca_file') : undefined;
  const client = new Client({
    node: e.url,
    // An API key wins over basic auth when both are set (one Authorization header).
    auth: e.api_key ? { apiKey: e.api_key } : e.username ? { username: e.username, password: e.password } : undefined,
    tls: ca ? { ca } : undefined,
    requestTimeout: e.request_timeout_ms,
    // Retries are ours (per item, with backoff, for as long as the sink runs); the client must not resend whole bulks.
    maxRetries: 0,
    compression: false,
  });

  const where = `Elasticsearch at ${displayUrl(e.url)}`;
  const unavailable = (err: unknown) =>
    new LogshipError('LOGSHIP_ERR_ES_UNAVAILABLE', `${where}: ${(err as Error).message}`, { retriable: true, cause: err });

  /**
   * A failed request as our error. Refused credentials (401, 403) and an untrusted certificate are ES_AUTH: a config
   * problem retrying cannot fix (exit 78). Anything else is UNAVAILABLE (retried by the sink).
   */
  async function failure(err: unknown): Promise<LogshipError> {
    if (err instanceof errors.ResponseError && (err.statusCode === 401 || err.statusCode === 403)) {
      const what = err.statusCode === 401 ? 'authentication failed' : 'not allowed';
      return new LogshipError(
        'LOGSHIP_ERR_ES_AUTH',
        `${where}: ${what} (${err.statusCode}: ${reasonOf(err)}): check elasticsearch.username and password, or api_key`,
        { cause: err },
      );
    }
    const u = new URL(e.url);
    if (err instanceof errors.ConnectionError && u.protocol === 'https:') {
      const why = await tlsTrustProblem(u.hostname.replace(/^\[|\]$/g, ''), Number(u.port || 443), ca);
      if (why)
        return new LogshipError(
          'LOGSHIP_ERR_ES_AUTH',
          `${where}: the server's TLS certificate is not trusted (${why}): check elasticsearch.ca_file`,
          { cause: err },
        );
    }
    return unavailable(err);
  }

  return {
    async bulk(body, signal) {
      try {
        const res = await client.transport.request<{
          errors: boolean;
          items: Array<Record<string, { status: number; error?: { type: string; reason: string } }>>;
        }>(
          {
            method: 'POST',
            path: '/_bulk',
            body,
            querystring: { filter_path: 'errors,items.*.status,items.*.error.type,items.*.error.reason' },
          },
          { headers: { 'content-type': 'application/x-ndjson' }, signal },
        );
        const items = (res.items ?? []).map((it) => {
          const r = Object.values(it)[0];
          return { status: r.status, errorType: r.error?.type, errorReason: r.error?.reason };
        });
        return { kind: 'items', items };
      } catch (err) {
        if (err instanceof errors.ResponseError) {
          return {
            kind: 'request_failed',
            status: err.statusCode ?? 0,
            reason: String((err.body as { error?: { reason?: string } })?.error?.reason ?? err.message),
          };
        }
        return { kind: 'request_failed', status: 0, reason: (err as Error).message };
      }
    },
    async info() {
      // Not GET /: the integ-test-zip distribution has no root endpoint (it lives in a module it leaves out).
      try {
        const r = await client.transport.request<{ cluster_name: string; nodes: Record<string, { version: string }> }>({
          method: 'GET',
          path: '/_nodes/_local',
          querystring: { filter_path: 'cluster_name,nodes.*.version' },
        });
        return { version: Object.values(r.nodes ?? {})[0]?.version ?? 'unknown', clusterName: r.cluster_name };
      } catch (err) {
        throw await failure(err);
      }
    },
    async putIndexTemplate(name, body) {
      try {
        await client.transport.request({ method: 'PUT', path: `/_index_template/${encodeURIComponent(name)}`, body });
      } catch (err) {
        const f = await failure(err);
        if (f.code === 'LOGSHIP_ERR_ES_UNAVAILABLE' && err instanceof errors.ResponseError && err.statusCode && err.statusCode < 500)
          throw new LogshipError('LOGSHIP_ERR_ES_REQUEST', `index template ${name} refused: ${JSON.stringify(err.body)}`);
        throw f;
      }
    },
    async getIndexTemplate(name) {
      try {
        await client.transport.request({ method: 'GET', path: `/_index_template/${encodeURIComponent(name)}` });
        return true;
      } catch (err) {
        if (err instanceof errors.ResponseError && err.statusCode === 404) return false;
        throw await failure(err);
      }
    },
    async search(index, body) {
      try {
        const r = await client.transport.request<{
          hits: {
            total: { value: number };
            hits: Array<{ _id: string; _index: string; _source: Record<string, unknown>; sort?: unknown[] }>;
          };
          aggregations?: Record<string, unknown>;
        }>({
          method: 'POST',
          path: `/${index}/_search`,
          body,
          querystring: { ignore_unavailable: true, allow_no_indices: true },
        });
        return { hits: r.hits.hits, total: r.hits.total?.value ?? r.hits.hits.length, aggregations: r.aggregations };
      } catch (err) {
        if (err instanceof errors.ResponseError && err.statusCode === 400)
          throw new LogshipError(
            'LOGSHIP_ERR_ES_REQUEST',
            `search refused: ${JSON.stringify((err.body as { error?: unknown })?.error ?? err.body)}`,
          );
        throw await failure(err);
      }
    },
    async count(index, query) {
      try {
        const r = await client.transport.request<{ count: number }>({
          method: 'POST',
          path: `/${index}/_count`,
          body: query ? { query } : undefined,
          querystring: { ignore_unavailable: true, allow_no_indices: true },
        });
        return r.count;
      } catch (err) {
        throw await failure(err);
      }
    },
    async refresh(index) {
      try {
        await client.transport.request({
          method: 'POST',
          path: `/${index}/_refresh`,
          querystring: { ignore_unavailable: true, allow_no_indices: true },
        });
      } catch (err) {
        throw await failure(err);
      }
    },
    async listIndices(pattern) {
      try {
        const r = await client.transport.request<Array<{ index: string }>>({
          method: 'GET',
          path: `/_cat/indices/${pattern}`,
          querystring: { format: 'json', h: 'index' },
        });
        return r.map((x) => x.index).sort();
      } catch (err) {
        if (err instanceof errors.ResponseError && err.statusCode === 404) return [];
        throw await failure(err);
      }
    },
    async deleteIndex(index) {
      try {
        await client.transport.request({ method: 'DELETE', path: `/${index}`, querystring: { ignore_unavailable: true } });
      } catch (err) {
        throw await failure(err);
      }
    },
    close: () => client.close(),
  };
}

/** The URL without a password in it (https://user:pw@host is allowed; messages must not carry it). */
function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

function reasonOf(err: InstanceType<typeof errors.ResponseError>): string {
  const body = err.body as { error?: { reason?: string } | string } | undefined;
  const reason = typeof body?.error === 'string' ? body.error : body?.error?.reason;
  return reason ?? err.message;
}
