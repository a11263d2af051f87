// The event: the only wire shape between agent and sink. Its field names are ECS names, so the sink indexes
// the event as the document with no renaming. `v` is the wire version; the sink refuses versions it does not know.
// Version 2 (written by the agent since issue 13) may leave out what repeats: `event.created` when it equals
// `@timestamp`, `logship.source.name` when it equals `log.file.path`. decodeEvent restores both, so a document
// is the same whichever version carried it, and reads version 1 as before.
import { isUtf8 } from 'node:buffer';
import { hash } from 'node:crypto';
import { LogshipError } from './errors.js';
import { jsonShapeProblem, type JsonLimits } from './json-bounds.js';

export const EVENT_VERSION = 2;

/** The wire versions decodeEvent reads. */
export const EVENT_VERSIONS_READ: readonly number[] = [1, 2];

export type SourceType = 'file' | 'stdin' | 'command';

export interface LogEvent {
  v: number;
  '@timestamp': string;
  message: string;
  /** `created`: the read time. Always there once decoded; on the v2 wire only when it differs from `@timestamp`. */
  event: { id: string; created: string; kind?: 'event'; dataset?: string };
  host: { name: string };
  log: {
    offset: number;
    file?: { path: string };
    level?: string;
    /** Set when the line was cut at max_line_bytes. */
    truncated?: boolean;
    /** Set when the line was not valid UTF-8; invalid bytes were replaced by U+FFFD. */
    invalid_utf8?: boolean;
    /** Why a JSON line was not parsed (outside agent.json_max_depth / json_max_keys): it is a plain message. */
    json_error?: string;
    /** The line's own time, when it was outside the plausible window and the read time was used instead. */
    original_timestamp?: string;
    /** Why the event could not be built as usual (an unexpected failure): it is the plain line. */
    build_error?: string;
    /** A container's line: the stream it was written to (OpenTelemetry's `log.iostream`). */
    iostream?: 'stdout' | 'stderr';
  };
  logship: {
    source: { type: SourceType; name: string; identity: string };
    /** Lines joined into this event by multiline, when more than one. */
    lines?: number;
  };
  /** Fields parsed from a JSON line, kept apart so one app's field types cannot break another's mapping. */
  json?: Record<string, unknown>;
  /** A source's static fields (agent.sources[].fields), nested at their dots: { service: { name: 'checkout' } }. */
  fields?: Record<string, unknown>;
  /** A source's tags. */
  tags?: string[];
  /** A container's line: what its log file's path (and Docker's config.v2.json) says about the container (ECS). */
  container?: { id?: string; name?: string; image?: { name: string } };
  /** A Kubernetes pod's line, from its path under /var/log/pods (the names Beats use). */
  kubernetes?: { namespace: string; pod: { name: string; uid?: string }; container: { name: string } };
  /** For events of `logship run`: the process' exit. */
  process?: { exit_code?: number | null; signal?: string | null; command_line?: string };
}

/**
 * The id of a line: a hash of where it came from. The same line read twice gets the same id (so Elasticsearch's
 * `create` answers 409 for the second copy); two different lines never share one, because a source identity is
 * never reused (see agent/sources/files/identity.ts) and an offset is unique within a source.
 */
export function eventId(host: string, sourceIdentity: string, offset: number): string {
  // JSON-encode the parts: joined with a separator, ("a", "b\0c") and ("a\0b", "c") would hash the same bytes.
  // One-shot crypto.hash, not createHash(): the same digest without a Hash object per line (profiled: ~2 us of
  // ~4 us per id on the agent's hot path).
  // The JSON of the first two parts is kept for the next line of the same source.
  if (host !== idHost || sourceIdentity !== idSource) {
    idHost = host;
    idSource = sourceIdentity;
    idPrefix = '[' + JSON.stringify(host) + ',' + JSON.stringify(sourceIdentity) + ',';
  }
  return hash('sha256', idPrefix + JSON.stringify(offset) + ']', 'hex').slice(0, 32);
}
let idHost: string | undefined;
let idSource: string | undefined;
let idPrefix = '';

export function encodeEvent(e: LogEvent): Buffer {
  return Buffer.from(JSON.stringify(e));
}

function fail(reason: string): never {
  throw new LogshipError('LOGSHIP_ERR_EVENT_DECODE', reason);
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * The shape a record value may have before it is parsed: deep enough for any event our agent writes (its JSON
 * lines are bounded at 20 levels by default, one more under `json`), wide enough for any, and far from what
 * overflows the stack when the document is serialized again (JSON.stringify recurses).
 */
export const EVENT_JSON_LIMITS: JsonLimits = { maxDepth: 32, maxKeys: 10_000 };

/**
 * Decodes and validates a record value. Throws LOGSHIP_ERR_EVENT_DECODE with a reason a human can act on. A value
 * that is not valid UTF-8 is refused rather than decoded with U+FFFD (our agent never writes one; the dead letter
 * keeps the bytes as they were), and so is one nested or wide past `limits`, before JSON.parse sees it.
 */
export function decodeEvent(value: Buffer | string | null, limits: JsonLimits = EVENT_JSON_LIMITS): LogEvent {
  if (value === null || value.length === 0) fail('empty record value');
  // JSON exchanged between systems must be UTF-8 (RFC 8259, 8.1).
  if (typeof value !== 'string' && !isUtf8(value)) fail('not JSON: not valid UTF-8');
  const text = typeof value === 'string' ? value : value.toString('utf8');
  const shape = jsonShapeProblem(text, limits);
  if (shape) fail(`JSON ${shape}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    fail(`not JSON: ${(err as Error).message}`);
  }
  if (!isObj(parsed)) fail('not a JSON object');
  const e = parsed;
  // String(1e400) is Infinity, where JSON.stringify would say null.
  const v = typeof e.v === 'number' ? String(e.v) : JSON.stringify(e.v);
  if (typeof e.v !== 'number' || !EVENT_VERSIONS_READ.includes(e.v))
    fail(`unknown event version ${v} (this sink reads versions ${EVENT_VERSIONS_READ.join(' and ')})`);
  if (typeof e['@timestamp'] !== 'string' || Number.isNaN(Date.parse(e['@timestamp']))) fail('missing or invalid @timestamp');
  if (typeof e.message !== 'string') fail('missing message');
  if (!isObj(e.event) || typeof e.event.id !== 'string' || e.event.id.length === 0) fail('missing event.id');
  if (!isObj(e.host) || typeof e.host.name !== 'string') fail('missing host.name');
  if (!isObj(e.log) || typeof e.log.offset !== 'number') fail('missing log.offset');
  // 1e400 parses as Infinity, which JSON.stringify writes as null.
  if (!Number.isFinite(e.log.offset)) fail('log.offset is not a finite number');
  if (!isObj(e.logship) || !isObj(e.logship.source) || typeof e.logship.source.identity !== 'string') fail('missing logship.source');
  if (e.v === 2) restoreV2(e.event, e.log, e.logship.source, e['@timestamp']);
  return e as unknown as LogEvent;
}

/** What version 2 leaves out because it repeats another field, put back where it was left out. */
function restoreV2(event: Record<string, unknown>, log: Record<string, unknown>, source: Record<string, unknown>, ts: string) {
  if (event.created === undefined) event.created = ts;
  const path = isObj(log.file) ? log.file.path : undefined;
  if (source.name === undefined && typeof path === 'string') source.name = path;
}

/** UTC day of the event's own timestamp: a re-delivered event lands in the same daily index as the first copy. */
export function indexFor(prefix: string, timestamp: string): string {
  const d = new Date(timestamp);
  const y = d.getUTCFullYear();
  const m = String(d.getUTCMonth() + 1).padStart(2, '0');
  const day = String(d.getUTCDate()).padStart(2, '0');
  return `${prefix}-${y}.${m}.${day}`;
}
