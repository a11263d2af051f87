// The search language (search/query.ts, search/where.ts): times, --where filters and the query they make.
import { describe, expect, it } from 'vitest';
import { parseTime, queryOf, rangesToResolve, timeFlag, type SearchSpec } from '../../search/query.js';
import { fieldOf, parseWhere, valuesInRange, valuesRequest, whereClause } from '../../search/where.js';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

describe('--since / --until times', () => {
  it('reads durations back from now, now, and epoch milliseconds', () => {
    expect(parseTime('15m', NOW)).toBe(NOW - 15 * 60_000);
    expect(parseTime('1d', NOW)).toBe(NOW - 86_400_000);
    expect(parseTime('0s', NOW)).toBe(NOW);
    expect(parseTime('now', NOW)).toBe(NOW);
    expect(parseTime('1764590400000', NOW)).toBe(1764590400000);
  });

  it('reads absolute dates and times, with a zone or in UTC when asked', () => {
    expect(parseTime('2026-12-01T10:30:00Z', NOW)).toBe(Date.UTC(2026, 11, 1, 10, 30));
    expect(parseTime('2026-12-01T10:30:00+02:00', NOW)).toBe(Date.UTC(2026, 11, 1, 8, 30));
    expect(parseTime('2026-12-01T10:30', NOW, true)).toBe(Date.UTC(2026, 11, 1, 10, 30));
    expect(parseTime('2026-12-01 10:30:15.250', NOW, true)).toBe(Date.UTC(2026, 11, 1, 10, 30, 15, 250));
    expect(parseTime('2026-11-30', NOW, true)).toBe(Date.UTC(2026, 10, 30));
    expect(parseTime('09:15', NOW, true)).toBe(Date.UTC(2026, 11, 1, 9, 15));
    expect(parseTime('2026-12-01T10:30', NOW)).toBe(new Date(2026, 11, 1, 10, 30).getTime());
  });

  it('refuses what is not a time, as a usage error', () => {
    for (const bad of ['yesterday', '2026-13-01', '25:00', '10m ago', ''])
      expect(() => timeFlag('--since', bad, NOW), bad).toThrow(expect.objectContaining({ code: 'LOGSHIP_ERR_USAGE' }));
  });
});

describe('--where', () => {
  it('maps names to fields: aliases, mapped ECS fields, and JSON fields under json.', () => {
    expect(fieldOf('host')).toBe('host.name');
    expect(fieldOf('level')).toBe('log.level');
    expect(fieldOf('log.offset')).toBe('log.offset');
    expect(fieldOf('json.status')).toBe('json.status');
    expect(fieldOf('service.name')).toBe('json.service.name');
    expect(fieldOf('status')).toBe('json.status');
  });

  it('parses equality, negation, presence, prefix and ranges', () => {
    expect(parseWhere('json.status=500')).toMatchObject({ field: 'json.status', op: 'eq', value: '500' });
    expect(parseWhere('service.name=checkout')).toMatchObject({ field: 'json.service.name', op: 'eq', value: 'checkout' });
    expect(parseWhere('host!=web-1')).toMatchObject({ field: 'host.name', op: 'ne', value: 'web-1' });
    expect(parseWhere('json.user=*')).toMatchObject({ op: 'exists' });
    expect(parseWhere('json.user!=*')).toMatchObject({ op: 'missing' });
    expect(parseWhere('json.path=/api/*')).toMatchObject({ op: 'prefix', value: '/api/' });
    expect(parseWhere('json.ms>=100')).toMatchObject({ op: 'range', gte: 100 });
    expect(parseWhere('json.ms>100')).toMatchObject({ op: 'range', gt: 100 });
    expect(parseWhere('json.ms<2.5')).toMatchObject({ op: 'range', lt: 2.5 });
    expect(parseWhere('json.ms<=-1')).toMatchObject({ op: 'range', lte: -1 });
    expect(parseWhere('json.ms=100..200')).toMatchObject({ op: 'range', gte: 100, lte: 200 });
    expect(parseWhere('json.ms=100..')).toMatchObject({ op: 'range', gte: 100 });
    expect(parseWhere('json.ms=..200')).toMatchObject({ op: 'range', lte: 200 });
    expect(parseWhere('level=ERROR')).toMatchObject({ field: 'log.level', value: 'error' });
    expect(parseWhere('json.msg=a=b')).toMatchObject({ field: 'json.msg', op: 'eq', value: 'a=b' });
  });

  it("a bare name matches a JSON line's field or a source's static field; json.X and fields.X one side only", () => {
    const w = parseWhere('service.name=checkout');
    expect(w).toMatchObject({ field: 'json.service.name', also: ['fields.service.name'] });
    expect(whereClause(w, new Map())).toEqual({
      clause: {
        bool: {
          should: [{ term: { 'json.service.name': 'checkout' } }, { term: { 'fields.service.name': 'checkout' } }],
          minimum_should_match: 1,
        },
      },
      negate: false,
    });
    expect(parseWhere('service=checkout').also).toEqual(['fields.service.name']);
    const absent = whereClause(parseWhere('environment!=*'), new Map());
    expect(absent.negate).toBe(true); // in must_not: neither field present
    expect(JSON.stringify(absent.clause)).toContain('fields.environment');
    expect(parseWhere('fields.environment=prod')).toEqual({
      text: 'fields.environment=prod',
      field: 'fields.environment',
      op: 'eq',
      value: 'prod',
    });
    expect(parseWhere('json.status=500').also).toBeUndefined();
    expect(parseWhere('host=web-1').also).toBeUndefined();
    expect(parseWhere('ms>=100').also).toBeUndefined(); // a range: the JSON side only
    expect(rangesToResolve({ where: [parseWhere('fields.n>=1')] })).toHaveLength(1); // flattened: resolved
  });

  it('refuses what is not a filter, as a usage error', () => {
    for (const bad of ['json.status', '=500', 'json.ms>=abc', 'json.ms=', 'host.name>=3'])
      expect(() => parseWhere(bad), bad).toThrow(expect.objectContaining({ code: 'LOGSHIP_ERR_USAGE' }));
  });

  it('a range on a mapped number is a range query; on a json field, the resolved values', () => {
    expect(whereClause(parseWhere('log.offset>=10'), new Map()).clause).toEqual({ range: { 'log.offset': { gte: 10 } } });
    const w = parseWhere('json.ms=100..200');
    const values = valuesInRange(w, { buckets: ['99', '100', '150.5', '200', '200.1', '1000', 'x'].map((key) => ({ key })) });
    expect(values).toEqual(['100', '150.5', '200']);
    expect(whereClause(w, new Map([[w.text, values]])).clause).toEqual({ terms: { 'json.ms': values } });
    expect(() => whereClause(w, new Map())).toThrow(/not resolved/);
    expect(valuesRequest(w, { match_all: {} })).toMatchObject({ size: 0, aggs: { values: { terms: { field: 'json.ms' } } } });
  });

  it('says when a range has more values than can be listed', () => {
    const w = parseWhere('json.ms>=1');
    expect(() => valuesInRange(w, { buckets: [], sum_other_doc_count: 3 })).toThrow(expect.objectContaining({ code: 'LOGSHIP_ERR_USAGE' }));
  });
});

describe('queryOf', () => {
  it('puts every option in the filter, negations in must_not, the text in must', () => {
    const spec: SearchSpec = {
      text: 'timeout',
      hosts: ['web-1'],
      levels: ['ERROR', 'warn'],
      source: 'app.log',
      sinceMs: NOW - 60_000,
      untilMs: NOW,
      where: [parseWhere('json.status=500'), parseWhere('host!=web-2')],
    };
    const q = queryOf(spec) as { bool: { filter: unknown[]; must: unknown[]; must_not: unknown[] } };
    expect(q.bool.filter).toContainEqual({ range: { '@timestamp': { gte: '2026-12-01T11:59:00.000Z', lte: '2026-12-01T12:00:00.000Z' } } });
    expect(q.bool.filter).toContainEqual({ term: { 'host.name': 'web-1' } });
    expect(q.bool.filter).toContainEqual({ terms: { 'log.level': ['error', 'warn'] } });
    expect(q.bool.filter).toContainEqual({ term: { 'json.status': '500' } });
    expect(q.bool.must_not).toEqual([{ term: { 'host.name': 'web-2' } }]);
    expect(q.bool.must).toEqual([{ simple_query_string: { query: 'timeout', fields: ['message'], default_operator: 'and' } }]);
  });

  it('lists the json ranges to resolve, and leaves one out when asked', () => {
    const r = parseWhere('json.ms>=100');
    const spec: SearchSpec = { where: [r, parseWhere('log.offset>5')] };
    expect(rangesToResolve(spec)).toEqual([r]);
    expect(JSON.stringify(queryOf(spec, new Map(), r))).not.toContain('json.ms');
  });
});
