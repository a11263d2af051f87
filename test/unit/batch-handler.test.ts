// The batch handler against a fake Elasticsearch (a table of answers per record and attempt), a fake group control
// and the real dead-letter publisher on a fake producer: what is committed, what went to the DLQ, what is counted.
import { describe, expect, it } from 'vitest';
import { encodeEvent, EVENT_VERSION, eventId, type LogEvent } from '../../common/event.js';
import type { InRecord } from '../../kafka/consumer.js';
import { fakeCtl, fakeEs, fakeKafka, PARTITION, setup, TOPIC } from '../support/sink-fakes.js';

function event(offset: number): LogEvent {
  const ts = new Date(Date.UTC(2024, 4, 6) + offset).toISOString();
  return {
    v: EVENT_VERSION,
    '@timestamp': ts,
    message: `line ${offset}`,
    event: { id: eventId('h', 'src', offset), created: ts },
    host: { name: 'h' },
    log: { offset },
    logship: { source: { type: 'file', name: '/a.log', identity: 'src' } },
  };
}

/** Kafka offsets 100.., the n-th record carrying the event of log offset n (`bad` ones are not events). */
function records(n: number, bad: number[] = []): InRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    partition: PARTITION,
    offset: String(100 + i),
    key: Buffer.from('h'),
    value: bad.includes(i) ? Buffer.from('{not json') : encodeEvent(event(i)),
  }));
}

describe('batch handler', () => {
  it('all 201: everything created, committed past the last record, nothing dead-lettered', async () => {
    const kafka = fakeKafka();
    const t = setup(fakeEs(), kafka);
    const c = fakeCtl();
    expect(await t.run(records(5), c.ctl)).toEqual({ commitUpTo: '104' });
    expect(await t.value('logship_sink_documents_created_total')).toBe(5);
    expect(await t.value('logship_sink_records_in_flight')).toBe(0);
    expect(kafka.sent).toEqual([]);
    expect(kafka.stats().made).toBe(0); // no producer for a batch without dead letters
    expect(t.worker.active).toBe(0);
  });

  it('a 409 is a duplicate: done and counted, not dead-lettered', async () => {
    const kafka = fakeKafka();
    const t = setup(fakeEs({ 1: [409] }), kafka);
    expect(await t.run(records(3), fakeCtl().ctl)).toEqual({ commitUpTo: '102' });
    expect(await t.value('logship_sink_documents_created_total')).toBe(2);
    expect(await t.value('logship_sink_documents_duplicate_total')).toBe(1);
    expect(kafka.sent).toEqual([]);
  });

  it('a 429 then 201: only that item is sent again, counted as an item retry and a bulk fault', async () => {
    const es = fakeEs({ 1: [{ status: 429, errorType: 'es_rejected_execution_exception' }, 201] });
    const t = setup(es);
    expect(await t.run(records(2), fakeCtl().ctl)).toEqual({ commitUpTo: '101' });
    expect(es.calls).toEqual([[0, 1], [1]]);
    expect(await t.value('logship_sink_items_retried_total', { scope: 'item' })).toBe(1);
    expect(await t.value('logship_sink_errors_total', { stage: 'bulk', error_type: 'item_refused' })).toBe(1);
    expect(await t.value('logship_sink_documents_created_total')).toBe(2);
    expect(t.esState).toEqual({ healthy: true, error: '' });
  });

  it('a whole request answered 429: sent again whole, a request retry', async () => {
    const es = fakeEs({}, { requests: [{ kind: 'request_failed', status: 429, reason: 'too many requests' }] });
    const t = setup(es);
    expect(await t.run(records(2), fakeCtl().ctl)).toEqual({ commitUpTo: '101' });
    expect(es.calls).toEqual([
      [0, 1],
      [0, 1],
    ]);
    expect(await t.value('logship_sink_items_retried_total', { scope: 'request' })).toBe(2);
    expect(await t.value('logship_sink_errors_total', { stage: 'bulk', error_type: 'request_failed' })).toBe(1);
  });

  it('a 400 mapping error: the original goes to the DLQ with the reason, and the commit goes past it', async () => {
    const kafka = fakeKafka();
    const reason = "failed to parse field [json] of type [flattened] in document with id 'x'";
    const t = setup(fakeEs({ 1: [{ status: 400, errorType: 'document_parsing_exception', errorReason: reason }] }), kafka);
    expect(await t.run(records(3), fakeCtl().ctl)).toEqual({ commitUpTo: '102' });
    expect(kafka.sent).toHaveLength(1);
    expect(kafka.sent[0]).toMatchObject({
      stage: 'index',
      error_type: 'document_parsing_exception',
      status: 400,
      reason,
      source: { topic: TOPIC, partition: PARTITION, offset: '101', key: 'h' },
      event_id: eventId('h', 'src', 1),
      original: encodeEvent(event(1)).toString('utf8'),
    });
    expect(await t.value('logship_sink_documents_dead_lettered_total', { stage: 'index' })).toBe(1);
  });

  it('a 200 with errors: true is read item by item (created, duplicate, dead, retried in one answer)', async () => {
    const kafka = fakeKafka();
    const es = fakeEs({
      0: [201],
      1: [409],
      2: [{ status: 400, errorType: 'mapper_parsing_exception', errorReason: 'bad' }],
      3: [503, 201],
    });
    const t = setup(es, kafka, { bulk: { maxDocs: 10, maxBytes: 1 << 20, concurrency: 1 } });
    expect(await t.run(records(4), fakeCtl().ctl)).toEqual({ commitUpTo: '103' });
    expect(es.calls).toEqual([[0, 1, 2, 3], [3]]);
    expect(kafka.sent.map((d) => [d.source.offset, d.error_type, d.reason])).toEqual([['102', 'mapper_parsing_exception', 'bad']]);
    expect(await t.value('logship_sink_documents_created_total')).toBe(2);
    expect(await t.value('logship_sink_documents_duplicate_total')).toBe(1);
  });

  it("an undecodable record goes to the DLQ as 'decode', before the others are indexed", async () => {
    const kafka = fakeKafka();
    const es = fakeEs();
    let sentBeforeBulk = -1;
    const bulk = es.es.bulk.bind(es.es);
    es.es.bulk = (body, signal) => {
      if (sentBeforeBulk < 0) sentBeforeBulk = kafka.sent.length;
      return bulk(body, signal);
    };
    const t = setup(es, kafka);
    expect(await t.run(records(3, [1]), fakeCtl().ctl)).toEqual({ commitUpTo: '102' });
    expect(sentBeforeBulk).toBe(1);
    expect(kafka.sent).toHaveLength(1);
    expect(kafka.sent[0]).toMatchObject({ stage: 'decode', error_type: 'decode_error', original: '{not json' });
    expect(kafka.sent[0].reason).toMatch(/^not JSON: /);
    expect(es.calls).toEqual([[0, 2]]);
    expect(await t.value('logship_sink_documents_dead_lettered_total', { stage: 'decode' })).toBe(1);
  });

  it('a DLQ publish that fails, then succeeds: the producer is rebuilt, the fault counted, the record done', async () => {
    const kafka = fakeKafka(2);
    const t = setup(fakeEs(), kafka);
    expect(await t.run(records(3, [0]), fakeCtl().ctl)).toEqual({ commitUpTo: '102' });
    expect(kafka.sent.map((d) => d.source.offset)).toEqual(['100']);
    expect(kafka.stats()).toEqual({ made: 3, disconnected: 2 });
    expect(await t.value('logship_sink_errors_total', { stage: 'dead_letter', error_type: 'unavailable' })).toBe(2);
  });

  it('a DLQ that never takes the letter: shutdown leaves it undone, and nothing after it is committed', async () => {
    const kafka = fakeKafka(Infinity, { failConnect: true });
    const t = setup(fakeEs({ 0: [{ status: 400, errorType: 'mapper_parsing_exception', errorReason: 'bad' }] }), kafka);
    setTimeout(() => t.stop.abort(), 50);
    expect(await t.run(records(3), fakeCtl().ctl)).toEqual({ commitUpTo: undefined });
    expect(kafka.sent).toEqual([]);
    expect(await t.value('logship_sink_documents_created_total')).toBe(2);
    expect(await t.value('logship_sink_records_abandoned_total')).toBe(1);
    expect(await t.value('logship_sink_documents_dead_lettered_total', { stage: 'index' })).toBe(0);
  });

  it('a refused heartbeat mid-batch: the hanging request is cancelled, the done prefix committed, the rest left', async () => {
    let hanging = false;
    const es = fakeEs({}, { hang: (off) => (off >= 2 ? (hanging = true) : false) });
    const t = setup(es);
    const c = fakeCtl({ refuseHeartbeat: () => hanging });
    expect(await t.run(records(6), c.ctl)).toEqual({ commitUpTo: '101' });
    expect(es.calls).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(await t.value('logship_sink_records_abandoned_total')).toBe(4);
    expect(await t.value('logship_sink_records_in_flight')).toBe(0);
    expect(await t.value('logship_sink_errors_total', { stage: 'heartbeat', error_type: 'refused' })).toBe(1);
  });

  it('the partition reassigned mid-batch, or the shutdown grace over: the same, nothing unfinished committed', async () => {
    let hanging = false;
    const hang = (off: number) => (off >= 2 ? (hanging = true) : false);
    const a = setup(fakeEs({}, { hang }));
    expect(await a.run(records(4), fakeCtl({ active: () => !hanging }).ctl)).toEqual({ commitUpTo: '101' });
    expect(await a.value('logship_sink_records_abandoned_total')).toBe(2);

    hanging = false;
    const b = setup(fakeEs({}, { hang }));
    const stopWhenHanging = setInterval(() => hanging && b.stop.abort(), 5);
    expect(await b.run(records(4), fakeCtl().ctl)).toEqual({ commitUpTo: '101' });
    clearInterval(stopWhenHanging);
    expect(await b.value('logship_sink_records_abandoned_total')).toBe(2);
  });

  it('heartbeats while a slow bulk is in hand, and commits the done prefix as it goes', async () => {
    let clock = 0;
    const es = fakeEs({}, { delayMs: 60 });
    const wrapped = es.es.bulk.bind(es.es);
    es.es.bulk = (body, signal) => ((clock += 600), wrapped(body, signal));
    const t = setup(es, fakeKafka(), { commitEveryMs: 1000, now: () => clock });
    const c = fakeCtl();
    const res = await t.run(records(6), c.ctl);
    expect(c.heartbeats()).toBeGreaterThanOrEqual(3); // 3 requests of 60 ms, a heartbeat every 10 ms
    // At 600 ms (first request) too early; at 1200 ms the done prefix; at 1800 ms too early again: the rest at the end.
    expect(c.commits).toEqual(['103']);
    expect(res).toEqual({ commitUpTo: '105' });
  });

  it('a refused progress commit stops the batch; what was done is still returned for the final commit', async () => {
    let clock = 0;
    const es = fakeEs();
    const wrapped = es.es.bulk.bind(es.es);
    es.es.bulk = (body, signal) => ((clock += 1000), wrapped(body, signal));
    const t = setup(es, fakeKafka(), { commitEveryMs: 1000, now: () => clock });
    const res = await t.run(records(6), fakeCtl({ refuseCommit: true }).ctl);
    expect(res.commitUpTo).toBe('101');
    expect(await t.value('logship_sink_errors_total', { stage: 'commit', error_type: 'refused' })).toBe(1);
    expect(await t.value('logship_sink_records_abandoned_total')).toBe(4);
  });
});
