// One document as a result row (pure): the columns the explorer shows, and the whole event for the expanded view.
// For a JSON line the message is its text (pino `msg`, ECS `message`), as the terminal search prints it.

export interface Row {
  id: string;
  index: string;
  time: string;
  host: string;
  source: string;
  level: string;
  service: string;
  message: string;
  offset: number;
  /** Everything Elasticsearch holds for the line. */
  event: Record<string, unknown>;
}

type Obj = Record<string, unknown>;
const obj = (x: unknown): Obj => (typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Obj) : {});
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

export function rowOf(hit: { _id: string; _index: string; _source: Obj }): Row {
  const s = hit._source;
  const log = obj(s.log);
  const ls = obj(obj(s.logship).source);
  const json = obj(s.json);
  const service = str(obj(json.service).name) ?? str(json.service) ?? '';
  const message = str(json.msg) ?? str(json.message) ?? str(s.message) ?? JSON.stringify(s.message ?? '');
  return {
    id: str(obj(s.event).id) ?? hit._id,
    index: hit._index,
    time: str(s['@timestamp']) ?? '',
    host: str(obj(s.host).name) ?? '',
    source: str(ls.name) ?? str(obj(log.file).path) ?? '',
    level: str(log.level) ?? '',
    service,
    message,
    offset: typeof log.offset === 'number' ? log.offset : -1,
    event: s,
  };
}

export interface Bucket {
  value: string;
  count: number;
}

/** A facet's buckets from its terms aggregations (more than one field: added up by value, largest first). */
export function facetBuckets(aggs: Obj | undefined, facet: string, fields: number, size: number): Bucket[] {
  const counts = new Map<string, number>();
  for (let i = 0; i < fields; i++) {
    const buckets = obj(aggs?.[`${facet}.${i}`]).buckets;
    if (!Array.isArray(buckets)) continue;
    for (const b of buckets as Array<{ key: unknown; doc_count: number }>) {
      const key = String(b.key);
      counts.set(key, (counts.get(key) ?? 0) + b.doc_count);
    }
  }
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value))
    .slice(0, size);
}

export function histogramBuckets(aggs: Obj | undefined): Array<{ t: number; count: number }> {
  const buckets = obj(aggs?.over_time).buckets;
  if (!Array.isArray(buckets)) return [];
  return (buckets as Array<{ key: number; doc_count: number }>).map((b) => ({ t: b.key, count: b.doc_count }));
}
