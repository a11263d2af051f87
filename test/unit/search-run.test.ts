// `logship search` end to end over a fake Elasticsearch: exit codes, --around, --count-by, --histogram, paging
// past one page through a point in time, and the flags' usage errors.
import { describe, expect, it } from 'vitest';
import { planOf } from '../../cli/search.js';
import { runSearch, type SearchRun } from '../../cli/search-run.js';
import { LogshipError, exitCodeFor } from '../../common/errors.js';
import type { SearchHit, SearchResult } from '../../sink/es-client.js';
import { mergeGroups } from '../../search/context.js';

const NOW = Date.UTC(2026, 11, 1, 12, 0);
const hit = (n: number, identity = 'a'): SearchHit => ({
  _id: `${identity}${n}`,
  _index: 'logs-2026.12.01',
  _source: {
    '@timestamp': new Date(NOW - 60_000 + n * 100).toISOString(),
    message: `${identity}${n}`,
    host: { name: 'h' },
    log: { offset: n * 10 },
    logship: { source: { name: identity, identity } },
  },
  sort: [n],
});

function fake(answer: (body: Record<string, unknown>, index: string | undefined) => Partial<SearchResult>) {
  const bodies: Array<Record<string, unknown>> = [];
  const out: string[] = [];
  const pits = { opened: 0, closed: 0 };
  const r = (flags: Record<string, unknown>, positionals: string[] = []): SearchRun => ({
    es: {
      async search(index, body) {
        bodies.push(body);
        const a = answer(body, index);
        return { hits: a.hits ?? [], total: a.total ?? a.hits?.length ?? 0, aggregations: a.aggregations };
      },
      openPit: async () => `pit${++pits.opened}`,
      closePit: async () => void pits.closed++,
    },
    index: 'logs-*',
    plan: { ...planOf({ utc: true, ...flags }, positionals, NOW, {}, false), columns: 60 },
    write: (t) => out.push(t),
    now: () => NOW,
  });
  return { r, bodies, out, pits };
}

const texts = (out: string[]) =>
  out
    .join('')
    .trimEnd()
    .split('\n')
    .map((l) => l.split(' ').pop());

describe('exit codes', () => {
  it('0 when a line matched, 1 when none did', async () => {
    expect(await runSearch(fake(() => ({ hits: [hit(1)] })).r({}))).toBe(0);
    expect(await runSearch(fake(() => ({ hits: [] })).r({}))).toBe(1);
    expect(await runSearch(fake(() => ({ total: 0, aggregations: { by: { buckets: [] } } })).r({ 'count-by': 'host' }))).toBe(1);
  });

  it('2 for bad usage, 69 when Elasticsearch is unreachable', () => {
    const bad = [
      { output: 'yaml' },
      { limit: 'lots' },
      { limit: '0' },
      { since: 'yesterday' },
      { since: '1h', until: '2h' },
      { color: 'sometimes' },
      { around: '-1' },
      { where: ['json.status'] },
      { follow: true, histogram: true },
      { interval: '1m' },
    ];
    for (const flags of bad) {
      let err: unknown;
      try {
        planOf(flags, [], NOW, {}, false);
      } catch (e) {
        err = e;
      }
      expect(exitCodeFor(err), JSON.stringify(flags)).toBe(2);
    }
    expect(exitCodeFor(new LogshipError('LOGSHIP_ERR_ES_UNAVAILABLE', 'x', { retriable: true }))).toBe(69);
  });
});

describe('lines', () => {
  it('pages past one page through a point in time when all are wanted, oldest first, and closes it', async () => {
    const all = Array.from({ length: 12_000 }, (_, i) => hit(i));
    const f = fake((body) => {
      if (body.pit === undefined) return { hits: all.slice(-5000).reverse(), total: all.length };
      const after = (body.search_after as number[] | undefined)?.[0] ?? -1;
      return { hits: all.filter((h) => (h.sort![0] as number) > after).slice(0, body.size as number) };
    });
    expect(await runSearch(f.r({ limit: 'all', output: 'raw' }))).toBe(0);
    expect(f.out).toHaveLength(12_000);
    expect(f.out[0]).toBe('a0\n');
    expect(f.out[11_999]).toBe('a11999\n');
    expect(f.pits).toEqual({ opened: 1, closed: 1 });
  });

  it('--around N: the lines before and after each hit in its source, overlapping groups merged, -- between groups', async () => {
    const f = fake((body) => {
      const q = JSON.stringify(body.query);
      if (!q.includes('logship.source.identity')) return { hits: [hit(20, 'b'), hit(6), hit(5)], total: 3 };
      const id = /"logship.source.identity":"(\w)"/.exec(q)![1];
      const range = (body.query as { bool: { filter: Array<{ range?: { 'log.offset': { lt?: number; gt?: number } } }> } }).bool.filter[1]
        .range!['log.offset'];
      const n = (range.lt ?? range.gt)! / 10;
      const side = range.lt !== undefined ? [n - 1, n - 2] : [n + 1, n + 2];
      return { hits: side.filter((k) => k >= 0).map((k) => hit(k, id)) };
    });
    expect(await runSearch(f.r({ around: '2' }))).toBe(0);
    expect(texts(f.out)).toEqual(['a3', 'a4', 'a5', 'a6', 'a7', 'a8', '--', 'b18', 'b19', 'b20', 'b21', 'b22']);
    const marks = f.out.filter((l) => l !== '--\n').map((l) => l[0]);
    expect(marks).toEqual([' ', ' ', '>', '>', ' ', ' ', ' ', ' ', '>', ' ', ' ']);
    expect(f.out).toContain('--\n');
  });

  it('mergeGroups keeps groups of different sources apart and lines once', () => {
    const g = (id: string, ns: number[]) => ({ identity: id, lines: ns.map((n) => hit(n, id)), hitIds: new Set([`${id}${ns[1]}`]) });
    const merged = mergeGroups([g('a', [1, 2, 3]), g('a', [2, 3, 4]), g('b', [3, 4, 5]), g('a', [9, 10, 11])]);
    expect(merged.map((m) => m.lines.map((l) => l._id))).toEqual([
      ['a1', 'a2', 'a3', 'a4'],
      ['b3', 'b4', 'b5'],
      ['a9', 'a10', 'a11'],
    ]);
    expect([...merged[0].hitIds]).toEqual(['a2', 'a3']);
  });
});

describe('--count-by and --histogram', () => {
  it('--count-by level: a terms aggregation on log.level, printed as a table', async () => {
    const f = fake(() => ({
      total: 10,
      aggregations: {
        by: {
          buckets: [
            { key: 'info', doc_count: 7 },
            { key: 'error', doc_count: 2 },
          ],
          sum_other_doc_count: 0,
        },
        none: { doc_count: 1 },
      },
    }));
    expect(await runSearch(f.r({ 'count-by': 'level' }))).toBe(0);
    expect(f.bodies[0]).toMatchObject({ size: 0, aggs: { by: { terms: { field: 'log.level', size: 20 } } } });
    expect(f.out.join('')).toMatch(/7\s+70\.0\s+info/);
    expect(f.out.join('')).toMatch(/1\s+10\.0\s+\(no level\)/);
  });

  it('--count-by a JSON field and --top', async () => {
    const f = fake(() => ({ total: 0, aggregations: { by: { buckets: [] } } }));
    await runSearch(f.r({ 'count-by': 'service.name', top: '5' }));
    expect(f.bodies[0]).toMatchObject({ aggs: { by: { terms: { field: 'json.service.name', size: 5 } } } });
  });

  it('--histogram: an interval chosen from the range, bars for every bucket', async () => {
    const f = fake(() => ({
      total: 3,
      aggregations: {
        over_time: {
          buckets: [
            { key: NOW - 3_600_000, doc_count: 1 },
            { key: NOW - 3_540_000, doc_count: 2 },
          ],
        },
      },
    }));
    expect(await runSearch(f.r({ histogram: true, since: '1h' }))).toBe(0);
    expect(f.bodies[0]).toMatchObject({ aggs: { over_time: { date_histogram: { fixed_interval: '1m', time_zone: 'UTC' } } } });
    expect(f.out.join('')).toContain('3 matches, 1m per bar, UTC');
    const g = fake(() => ({ total: 0 }));
    await runSearch(g.r({ histogram: true, since: '7d', interval: '6h' }));
    expect(g.bodies[0]).toMatchObject({ aggs: { over_time: { date_histogram: { fixed_interval: '6h' } } } });
  });

  it('--where on a JSON range resolves its values first', async () => {
    const f = fake((body) =>
      (body.aggs as Record<string, unknown> | undefined)?.values
        ? { aggregations: { values: { buckets: [{ key: '99' }, { key: '150' }, { key: '2000' }], sum_other_doc_count: 0 } } }
        : { hits: [hit(1)] },
    );
    expect(await runSearch(f.r({ where: ['json.ms=100..1000'] }))).toBe(0);
    expect(JSON.stringify(f.bodies[1].query)).toContain('{"terms":{"json.ms":["150"]}}');
  });
});
