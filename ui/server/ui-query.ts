// What the explorer asks for, read from a URL's parameters (pure). Only these fields exist: a query string in the
// terminal search's syntax, a time range, and include/exclude filters on four named facets. Nothing here lets the
// browser name an Elasticsearch field, an index or a query clause.
import { LogshipError } from '../../common/errors.js';
import { timeFlag } from '../../search/query.js';
import { parseWhere, type Where } from '../../search/where.js';

export const FACETS = ['host', 'source', 'level', 'service'] as const;
export type Facet = (typeof FACETS)[number];

export interface FacetFilter {
  facet: Facet;
  value: string;
}

export interface UiQuery {
  /** The query bar's text, as `logship search QUERY` takes it ('' for everything). */
  q: string;
  fromMs: number;
  toMs: number;
  include: FacetFilter[];
  exclude: FacetFilter[];
  /** Field filters, as `logship search --where` takes them (`json.status=500`, `service.name=checkout`, `json.ms>=100`). */
  where: Where[];
}

const MAX_QUERY_CHARS = 2000;
const MAX_FILTERS = 50;

function bad(why: string): never {
  throw new LogshipError('LOGSHIP_ERR_USAGE', why);
}

/** A time bound, as `logship search --since` reads it (zone-less times are UTC here: the browser sends UTC). */
export function parseTime(text: string, now: number, what: string): number {
  return timeFlag(what, text.trim() === '' ? 'now' : text, now, true);
}

function filterOf(text: string, what: string): FacetFilter {
  const i = text.indexOf(':');
  const facet = text.slice(0, i) as Facet;
  if (i < 1 || !FACETS.includes(facet)) bad(`${what}: "${text.slice(0, 60)}" is not facet:value (facets: ${FACETS.join(', ')})`);
  const value = text.slice(i + 1);
  if (value.length === 0 || value.length > 1024) bad(`${what}: the value must be 1 to 1024 characters`);
  return { facet, value };
}

/**
 * The query of a request: `q`, `from` (default 15m), `to` (default now), `f=facet:value` (include), `x=` (exclude),
 * `w=FIELD=VALUE` (the terminal's --where).
 */
export function parseUiQuery(p: URLSearchParams, now: number): UiQuery {
  const q = p.get('q') ?? '';
  if (q.length > MAX_QUERY_CHARS) bad(`q: longer than ${MAX_QUERY_CHARS} characters`);
  const fromMs = parseTime(p.get('from') ?? '15m', now, 'from');
  const toMs = parseTime(p.get('to') ?? 'now', now, 'to');
  if (fromMs > toMs) bad('from is after to');
  const include = p.getAll('f').map((f) => filterOf(f, 'f'));
  const exclude = p.getAll('x').map((f) => filterOf(f, 'x'));
  const where = p.getAll('w').map((w) => parseWhere(w));
  if (include.length + exclude.length + where.length > MAX_FILTERS) bad(`more than ${MAX_FILTERS} filters`);
  return { q: q.trim(), fromMs, toMs, include, exclude, where };
}

/** An integer parameter within bounds, or its default. */
export function intParam(p: URLSearchParams, name: string, dflt: number, min: number, max: number): number {
  const raw = p.get(name);
  if (raw === null || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) bad(`${name}: an integer from ${min} to ${max}`);
  return n;
}
