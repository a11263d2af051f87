// Field filters: `--where FIELD=VALUE` and its kin, on the mapped fields and on the fields of JSON lines.
//
// What is searchable (sink/index-template.ts): the mapped ECS fields below, and every field of a JSON line, which
// the sink keeps under `json` as one `flattened` field (dynamic: false elsewhere: a field the template does not
// name is in _source but not searchable), and the static fields of a source (agent.sources[].fields), kept under
// `fields`, also flattened. A name that is not a mapped field is either: `service.name` matches `json.service.name`
// (a JSON line's own field) or `fields.service.name` (a source's static field); `json.X` and `fields.X` name one
// side only. A range on such a name is on the JSON side (static fields are strings). Flattened values are keywords: `=`, `!=`, `*` (present) and `prefix*`
// are exact; a numeric range cannot be a range query ("100" < "99" as keywords), so it is resolved: the field's
// distinct numeric values under the other filters are listed (a terms aggregation, up to MAX_RANGE_VALUES) and
// the range becomes a terms query on those in it. Exact for any number format, two requests instead of one.
import { LogshipError } from '../common/errors.js';

export type WhereOp = 'eq' | 'ne' | 'exists' | 'missing' | 'prefix' | 'range';

export interface Where {
  /** As written: the key of its resolved values. */
  text: string;
  /** The Elasticsearch field. */
  field: string;
  /** Other fields that match as well (a bare name: the source's static `fields.X` beside `json.X`). */
  also?: string[];
  op: WhereOp;
  value?: string;
  gte?: number;
  gt?: number;
  lte?: number;
  lt?: number;
}

/** Values of a range on a flattened (json.*, fields.*) field, by the Where's text. */
export type Resolved = Map<string, string[]>;

/** The most distinct values a range on a json.* field may be resolved to (Elasticsearch's index.max_terms_count). */
export const MAX_RANGE_VALUES = 65_536;

const ALIASES: Record<string, string> = {
  host: 'host.name',
  level: 'log.level',
  path: 'log.file.path',
  file: 'log.file.path',
  offset: 'log.offset',
  id: 'event.id',
  service: 'json.service.name',
};

/** The fields the index template maps, with their type. */
export const MAPPED_FIELDS: Record<string, 'keyword' | 'number' | 'date' | 'text' | 'boolean'> = {
  '@timestamp': 'date',
  message: 'text',
  'event.id': 'keyword',
  'event.created': 'date',
  'event.kind': 'keyword',
  'event.dataset': 'keyword',
  'host.name': 'keyword',
  'log.offset': 'number',
  'log.level': 'keyword',
  'log.truncated': 'boolean',
  'log.invalid_utf8': 'boolean',
  'log.file.path': 'keyword',
  'logship.source.type': 'keyword',
  'logship.source.name': 'keyword',
  'logship.source.identity': 'keyword',
  'logship.lines': 'number',
  'process.exit_code': 'number',
  'process.signal': 'keyword',
  'process.command_line': 'keyword',
};

const usage = (msg: string) => new LogshipError('LOGSHIP_ERR_USAGE', msg);

/** The Elasticsearch field of a name as the user writes it. */
export function fieldOf(name: string): string {
  if (ALIASES[name]) return ALIASES[name];
  if (name in MAPPED_FIELDS || isFlattened(name) || name === 'json' || name === 'fields') return name;
  return `json.${name}`;
}

/** The static field that a bare name matches beside its JSON field (`service.name`: `fields.service.name`). */
function staticFieldOf(name: string): string | undefined {
  const field = fieldOf(name);
  return field.startsWith('json.') && !name.startsWith('json.') ? `fields.${field.slice(5)}` : undefined;
}

/** A field inside one of the flattened objects (json.*, fields.*): keyword values, ranges resolved. */
export function isFlattened(field: string): boolean {
  return field.startsWith('json.') || field.startsWith('fields.');
}

const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

function num(s: string, text: string): number {
  if (!NUMBER.test(s.trim())) throw usage(`--where ${text}: "${s}" is not a number`);
  return Number(s);
}

/**
 * `FIELD=VALUE`, `FIELD!=VALUE`, `FIELD=*` (present), `FIELD!=*` (absent), `FIELD=pre*` (prefix),
 * `FIELD>=N`, `>`, `<`, `<=`, `FIELD=N..M` (inclusive; either side may be left out).
 */
export function parseWhere(text: string): Where {
  const m = /^([^=!<>\s]+)\s*(!=|>=|<=|=|>|<)\s*(.*)$/s.exec(text);
  if (!m || m[3] === '')
    throw usage(`--where "${text}": expected FIELD=VALUE, FIELD!=VALUE, FIELD>=N, FIELD<N or FIELD=N..M (e.g. json.status=500)`);
  const [, name, op, value] = m;
  const field = fieldOf(name);
  const type = MAPPED_FIELDS[field];
  const w = { text, field };
  const other = staticFieldOf(name);
  const both = other ? { ...w, also: [other] } : w;
  if (op === '>=' || op === '>' || op === '<=' || op === '<') {
    if (type !== undefined && type !== 'number') throw usage(`--where ${text}: ${field} is not a number field`);
    const n = num(value, text);
    return { ...w, op: 'range', ...{ '>=': { gte: n }, '>': { gt: n }, '<=': { lte: n }, '<': { lt: n } }[op] };
  }
  const range = /^(-?[\d.eE+]*)\.\.(-?[\d.eE+]*)$/.exec(value);
  if (range && (range[1] !== '' || range[2] !== '') && op === '=') {
    const lo = range[1] === '' ? {} : { gte: num(range[1], text) };
    const hi = range[2] === '' ? {} : { lte: num(range[2], text) };
    return { ...w, op: 'range', ...lo, ...hi };
  }
  if (value === '*') return { ...both, op: op === '=' ? 'exists' : 'missing' };
  if (op === '=' && value.endsWith('*') && !value.endsWith('\\*') && value.length > 1)
    return { ...both, op: 'prefix', value: value.slice(0, -1) };
  const v = value.replace(/\\\*$/, '*');
  return { ...both, op: op === '=' ? 'eq' : 'ne', value: field === 'log.level' ? v.toLowerCase() : v };
}

/** One clause on each of the filter's fields, any of which may match. */
function onFields(w: Where, clause: (field: string) => Record<string, unknown>): Record<string, unknown> {
  if (!w.also?.length) return clause(w.field);
  return { bool: { should: [w.field, ...w.also].map(clause), minimum_should_match: 1 } };
}

/** The clause of one filter; `negate` when it belongs in must_not. */
export function whereClause(w: Where, resolved: Resolved): { clause: Record<string, unknown>; negate: boolean } {
  switch (w.op) {
    case 'eq':
    case 'ne': {
      const clause = w.field === 'message' ? { match_phrase: { message: w.value } } : onFields(w, (f) => ({ term: { [f]: w.value } }));
      return { clause, negate: w.op === 'ne' };
    }
    case 'exists':
    case 'missing':
      return { clause: onFields(w, (field) => ({ exists: { field } })), negate: w.op === 'missing' };
    case 'prefix':
      return { clause: onFields(w, (f) => ({ prefix: { [f]: w.value } })), negate: false };
    case 'range': {
      if (!isFlattened(w.field)) {
        const r = Object.fromEntries((['gte', 'gt', 'lte', 'lt'] as const).filter((k) => w[k] !== undefined).map((k) => [k, w[k]]));
        return { clause: { range: { [w.field]: r } }, negate: false };
      }
      const values = resolved.get(w.text);
      if (values === undefined) throw new Error(`the values of ${w.text} were not resolved (resolveRanges)`);
      // No value in range: a terms query with none matches nothing, as it should.
      return { clause: { terms: { [w.field]: values } }, negate: false };
    }
  }
}

export function inRange(w: Where, n: number): boolean {
  return (
    (w.gte === undefined || n >= w.gte) &&
    (w.gt === undefined || n > w.gt) &&
    (w.lte === undefined || n <= w.lte) &&
    (w.lt === undefined || n < w.lt)
  );
}

/** The request that lists a json.* field's values under `query` (the spec without this range). */
export function valuesRequest(w: Where, query: Record<string, unknown>): Record<string, unknown> {
  return {
    size: 0,
    track_total_hits: false,
    query,
    aggs: { values: { terms: { field: w.field, size: MAX_RANGE_VALUES, include: '-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?' } } },
  };
}

/** The listed values that are in the range; a usage error when there were more than could be listed. */
export function valuesInRange(w: Where, agg: { buckets: Array<{ key: unknown }>; sum_other_doc_count?: number }): string[] {
  if ((agg.sum_other_doc_count ?? 0) > 0)
    throw usage(
      `--where ${w.text}: ${w.field} has more than ${MAX_RANGE_VALUES} distinct values in this search; narrow it (--since, --host, another --where)`,
    );
  return agg.buckets.map((b) => String(b.key)).filter((k) => NUMBER.test(k) && inRange(w, Number(k)));
}
