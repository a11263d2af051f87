// The explorer's fields -> Elasticsearch bodies (pure): only the four facets, a time range and the query string
// ever reach a query; anything else is a usage error (HTTP 400).
import { describe, expect, it } from 'vitest';
import { byIdBody, facetsBody, queryOf } from '../../ui/server/es-bodies.js';
import { facetBuckets, rowOf } from '../../ui/server/row-view.js';
import { createTailCursor } from '../../ui/server/tail-cursor.js';
import { intParam, parseTime, parseUiQuery } from '../../ui/server/ui-query.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const q = (s: string) => parseUiQuery(new URLSearchParams(s), NOW);

describe('ui query fields', () => {
  it('defaults to the last 15 minutes, everything', () => {
    expect(q('')).toEqual({ q: '', fromMs: NOW - 15 * 60_000, toMs: NOW, include: [], exclude: [], where: [] });
  });

  it('reads durations, now, ISO times (UTC without a zone) and epoch ms', () => {
    expect(parseTime('2h', NOW, 'from')).toBe(NOW - 7_200_000);
    expect(parseTime('now', NOW, 'to')).toBe(NOW);
    expect(parseTime('2026-12-01T10:00:00Z', NOW, 'from')).toBe(Date.parse('2026-12-01T10:00:00Z'));
    expect(parseTime('2026-12-01T10:00:00', NOW, 'from')).toBe(Date.parse('2026-12-01T10:00:00Z'));
    expect(parseTime('2026-12-01T10:00:00+01:00', NOW, 'from')).toBe(Date.parse('2026-12-01T09:00:00Z'));
    expect(parseTime(String(NOW - 5), NOW, 'from')).toBe(NOW - 5);
    expect(() => parseTime('yesterday', NOW, 'from')).toThrow(/from: "yesterday" is not a time/);
  });

  it('reads include and exclude filters on the four facets only', () => {
    const u = q('q=timeout&f=host:web-1&f=source:/var/log/a:b.log&x=level:debug');
    expect(u.include).toEqual([
      { facet: 'host', value: 'web-1' },
      { facet: 'source', value: '/var/log/a:b.log' },
    ]);
    expect(u.exclude).toEqual([{ facet: 'level', value: 'debug' }]);
    for (const bad of ['f=message:x', 'f=host', 'f=host:', 'x=_index:logs', 'f=json.status:500'])
      expect(() => q(bad), bad).toThrow(expect.objectContaining({ code: 'LOGSHIP_ERR_USAGE' }));
    expect(() => q('from=1h&to=2h')).toThrow(/from is after to/);
    expect(() => q(`q=${'a'.repeat(2001)}`)).toThrow(/longer than/);
  });

  it('bounds integer parameters', () => {
    const p = new URLSearchParams('size=50&bad=1.5');
    expect(intParam(p, 'size', 100, 1, 1000)).toBe(50);
    expect(intParam(p, 'other', 100, 1, 1000)).toBe(100);
    expect(() => intParam(p, 'bad', 1, 1, 10)).toThrow(/bad: an integer from 1 to 10/);
    expect(() => intParam(new URLSearchParams('size=5000'), 'size', 1, 1, 1000)).toThrow();
  });
});

describe('ui Elasticsearch bodies', () => {
  it('is the query of the terminal search: range, facets as --where, the text, exclusions as must_not, service on two fields', () => {
    expect(queryOf(q('q=GET -health&from=1h&f=host:web-1&f=level:ERROR&f=service:checkout&x=source:/a.log&w=json.status=500'))).toEqual({
      bool: {
        filter: [
          { range: { '@timestamp': { gte: '2026-12-01T11:00:00.000Z', lte: '2026-12-01T12:00:00.000Z' } } },
          { term: { 'host.name': 'web-1' } },
          { term: { 'log.level': 'error' } },
          { term: { 'json.status': '500' } },
          {
            bool: {
              should: [{ term: { 'json.service.name': 'checkout' } }, { term: { 'json.service': 'checkout' } }],
              minimum_should_match: 1,
            },
          },
        ],
        must: [{ simple_query_string: { query: 'GET -health', fields: ['message'], default_operator: 'and' } }],
        must_not: [{ term: { 'logship.source.name': '/a.log' } }],
      },
    });
    expect(() => q('w=status')).toThrow(expect.objectContaining({ code: 'LOGSHIP_ERR_USAGE' }));
  });

  it('counts each facet by its fields', () => {
    expect(Object.keys((facetsBody(queryOf(q('')), 10) as { aggs: object }).aggs)).toEqual([
      'host.0',
      'source.0',
      'level.0',
      'service.0',
      'service.1',
    ]);
    expect(byIdBody('ab12')).toMatchObject({ size: 1, query: { term: { 'event.id': 'ab12' } } });
  });
});

describe('ui rows and facets', () => {
  it('shows a JSON line by its message text, with level, service and short fields', () => {
    const r = rowOf({
      _id: 'x',
      _index: 'logs-2026.12.01',
      _source: {
        '@timestamp': '2026-12-01T11:00:00.000Z',
        message: '{"msg":"paid","service":{"name":"checkout"}}',
        event: { id: 'e1' },
        host: { name: 'web-1' },
        log: { offset: 42, level: 'info', file: { path: '/var/log/app.log' } },
        logship: { source: { name: '/var/log/app.log', identity: 'i' } },
        json: { msg: 'paid', service: { name: 'checkout' } },
      },
    });
    expect(r).toMatchObject({
      id: 'e1',
      host: 'web-1',
      source: '/var/log/app.log',
      level: 'info',
      service: 'checkout',
      message: 'paid',
      offset: 42,
    });
  });

  it('adds up a facet over its fields, largest first', () => {
    const aggs = {
      'service.0': { buckets: [{ key: 'checkout', doc_count: 3 }] },
      'service.1': {
        buckets: [
          { key: 'cart', doc_count: 5 },
          { key: 'checkout', doc_count: 4 },
        ],
      },
    };
    expect(facetBuckets(aggs, 'service', 2, 10)).toEqual([
      { value: 'checkout', count: 7 },
      { value: 'cart', count: 5 },
    ]);
    expect(facetBuckets(undefined, 'host', 1, 10)).toEqual([]);
  });
});

describe('ui live tail cursor', () => {
  const row = (id: string, t: number) => ({ id, time: new Date(t).toISOString() });

  it('sends each line once, looks back for late lines, and forgets what left the window', () => {
    const c = createTailCursor(NOW, 10_000);
    expect(c.fromMs()).toBe(NOW - 10_000);
    expect(c.take([row('a', NOW + 1000), row('b', NOW + 2000)]).map((r) => r.id)).toEqual(['a', 'b']);
    expect(c.fromMs()).toBe(NOW + 2000 - 10_000);
    // The same lines again (still in the window), and one indexed late with an earlier time.
    expect(c.take([row('a', NOW + 1000), row('late', NOW + 500), row('b', NOW + 2000)]).map((r) => r.id)).toEqual(['late']);
    expect(c.take([row('c', NOW + 60_000)]).map((r) => r.id)).toEqual(['c']);
    expect(c.fromMs()).toBe(NOW + 50_000);
  });
});
