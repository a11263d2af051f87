import { describe, expect, it } from 'vitest';
import { EVENT_VERSION, eventId, type LogEvent } from '../../common/event.js';
import { bulkBody, classifyItem, planFromOutcome, type IndexItem } from '../../sink/bulk.js';

function ev(offset: number, ts: string): LogEvent {
  return {
    v: EVENT_VERSION,
    '@timestamp': ts,
    message: `line ${offset}`,
    event: { id: eventId('h', 'src', offset), created: '2024-01-01T00:00:00.000Z' },
    host: { name: 'h' },
    log: { offset },
    logship: { source: { type: 'file', name: '/a.log', identity: 'src' } },
  };
}

const item = (e: LogEvent, offset: string): IndexItem => ({
  event: e,
  ref: { partition: 0, offset },
  raw: Buffer.from(JSON.stringify(e)),
  key: e.host.name,
});

describe('bulkBody', () => {
  it('one create action with _id and the daily index per event, then the document without `v`', () => {
    const a = ev(0, '2024-05-06T23:59:59.000Z');
    const b = ev(17, '2024-05-07T00:00:00.000Z');
    const body = bulkBody([item(a, '10'), item(b, '11')], 'logs');
    expect(body.endsWith('\n')).toBe(true);
    const lines = body.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { create: { _index: 'logs-2024.05.06', _id: a.event.id } },
      { '@timestamp': a['@timestamp'], message: 'line 0', event: a.event, host: a.host, log: a.log, logship: a.logship },
      { create: { _index: 'logs-2024.05.07', _id: b.event.id } },
      { '@timestamp': b['@timestamp'], message: 'line 17', event: b.event, host: b.host, log: b.log, logship: b.logship },
    ]);
    expect(JSON.parse(lines[1])).not.toHaveProperty('v');
    expect(a.v).toBe(EVENT_VERSION); // the event itself is not modified
  });

  it('uses the prefix and is empty for no items', () => {
    expect(bulkBody([item(ev(1, '2023-01-02T03:04:05Z'), '0')], 'app').split('\n')[0]).toBe(
      JSON.stringify({ create: { _index: 'app-2023.01.02', _id: eventId('h', 'src', 1) } }),
    );
    expect(bulkBody([], 'logs')).toBe('');
  });

  it('a message with newlines stays on one NDJSON line', () => {
    const e = { ...ev(2, '2024-01-01T00:00:00Z'), message: 'a\nb\r\nc' };
    const lines = bulkBody([item(e, '0')], 'logs').split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[1]).message).toBe('a\nb\r\nc');
  });
});

describe('classifyItem', () => {
  it('2xx is created, 409 is a duplicate', () => {
    expect(classifyItem({ status: 201 })).toEqual({ fate: 'created' });
    expect(classifyItem({ status: 200 })).toEqual({ fate: 'created' });
    expect(classifyItem({ status: 409, errorType: 'version_conflict_engine_exception', errorReason: 'exists' })).toEqual({
      fate: 'duplicate',
    });
  });

  it('429 and 5xx are retried', () => {
    expect(classifyItem({ status: 429, errorType: 'es_rejected_execution_exception', errorReason: 'queue full' })).toEqual({
      fate: 'retry',
      reason: '429 es_rejected_execution_exception',
    });
    expect(classifyItem({ status: 500 })).toEqual({ fate: 'retry', reason: '500' });
    expect(classifyItem({ status: 503, errorType: 'unavailable_shards_exception' })).toEqual({
      fate: 'retry',
      reason: '503 unavailable_shards_exception',
    });
  });

  it('401 and 403 (refused credentials or privileges) retry: the event is not at fault', () => {
    expect(
      classifyItem({ status: 403, errorType: 'security_exception', errorReason: 'action [indices:data/write/bulk[s]] is unauthorized' }),
    ).toEqual({
      fate: 'retry',
      reason: '403 security_exception action [indices:data/write/bulk[s]] is unauthorized',
    });
    expect(classifyItem({ status: 401 })).toEqual({ fate: 'retry', reason: '401' });
  });

  it('other 4xx are dead, with status, type and reason', () => {
    expect(classifyItem({ status: 400, errorType: 'mapper_parsing_exception', errorReason: 'failed to parse field [x]' })).toEqual({
      fate: 'dead',
      status: 400,
      errorType: 'mapper_parsing_exception',
      reason: 'failed to parse field [x]',
    });
    expect(classifyItem({ status: 404 })).toEqual({ fate: 'dead', status: 404, errorType: 'unknown', reason: 'status 404' });
  });
});

describe('planFromOutcome', () => {
  it('per-item fates when the answer has one item per document', () => {
    expect(
      planFromOutcome(
        { kind: 'items', items: [{ status: 201 }, { status: 409 }, { status: 429 }, { status: 400, errorType: 't', errorReason: 'r' }] },
        4,
      ),
    ).toEqual({
      kind: 'per_item',
      fates: [
        { fate: 'created' },
        { fate: 'duplicate' },
        { fate: 'retry', reason: '429' },
        { fate: 'dead', status: 400, errorType: 't', reason: 'r' },
      ],
    });
  });

  it('an item count mismatch retries everything', () => {
    expect(planFromOutcome({ kind: 'items', items: [{ status: 201 }] }, 2)).toEqual({
      kind: 'retry_all',
      reason: 'bulk answered 1 items for 2',
    });
    expect(planFromOutcome({ kind: 'items', items: [] }, 1)).toEqual({ kind: 'retry_all', reason: 'bulk answered 0 items for 1' });
  });

  it('no response, 429 and 5xx retry everything', () => {
    expect(planFromOutcome({ kind: 'request_failed', status: 0, reason: 'ECONNREFUSED' }, 3)).toEqual({
      kind: 'retry_all',
      reason: 'no response: ECONNREFUSED',
    });
    expect(planFromOutcome({ kind: 'request_failed', status: 429, reason: 'busy' }, 1)).toEqual({ kind: 'retry_all', reason: '429: busy' });
    expect(planFromOutcome({ kind: 'request_failed', status: 502, reason: 'bad gateway' }, 5)).toEqual({
      kind: 'retry_all',
      reason: '502: bad gateway',
    });
  });

  it('a request refused for its credentials (401, 403) retries everything, never dead-letters', () => {
    expect(planFromOutcome({ kind: 'request_failed', status: 401, reason: 'unable to authenticate' }, 1)).toEqual({
      kind: 'retry_all',
      reason: '401: unable to authenticate',
    });
    expect(planFromOutcome({ kind: 'request_failed', status: 403, reason: 'unauthorized' }, 7)).toEqual({
      kind: 'retry_all',
      reason: '403: unauthorized',
    });
  });

  it('413 or 400 with more than one item splits', () => {
    expect(planFromOutcome({ kind: 'request_failed', status: 413, reason: 'too large' }, 2)).toEqual({
      kind: 'split',
      reason: '413: too large',
    });
    expect(planFromOutcome({ kind: 'request_failed', status: 400, reason: 'bad' }, 10)).toEqual({ kind: 'split', reason: '400: bad' });
  });

  it('413 or 400 with a single item is dead', () => {
    expect(planFromOutcome({ kind: 'request_failed', status: 413, reason: 'too large' }, 1)).toEqual({
      kind: 'dead_all',
      status: 413,
      reason: 'too large',
    });
    expect(planFromOutcome({ kind: 'request_failed', status: 400, reason: 'bad' }, 1)).toEqual({
      kind: 'dead_all',
      status: 400,
      reason: 'bad',
    });
  });
});
