// The sink's internal events: each fault is one log line and one count with the same stage and error_type, a
// repeating bulk retry is loud only at the start of its streak and now and then, and the two rebalance events say
// different things.
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../common/logger.js';
import { createSinkMetrics } from '../../sink/metrics.js';

function recorder() {
  const lines: Array<{ level: string; fields: Record<string, unknown>; msg: string }> = [];
  const at = (level: string) => (a: Record<string, unknown> | string, b?: string) =>
    lines.push(typeof a === 'string' ? { level, fields: {}, msg: a } : { level, fields: a, msg: b ?? '' });
  const log = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') } as unknown as Logger;
  return { log, lines };
}

describe('sink internal events', () => {
  it('bulk retries: warn on the first and every 10th attempt of a streak, debug between, each counted', async () => {
    const { log, lines } = recorder();
    const m = createSinkMetrics(log);
    for (const attempt of [1, 2, 9, 10, 11]) m.retrying(3, 3, '429 es_rejected_execution_exception', attempt);
    expect(lines.map((l) => l.level)).toEqual(['warn', 'debug', 'debug', 'warn', 'debug']);
    expect(lines[0]).toMatchObject({
      msg: 'retrying items Elasticsearch did not take',
      fields: { stage: 'bulk', error_type: 'item_refused', attempt: 1 },
    });
    const text = await m.registry.metrics();
    expect(text).toContain('logship_sink_errors_total{stage="bulk",error_type="item_refused"} 5');
    expect(text).toContain('logship_sink_items_retried_total{scope="item"} 15');
  });

  it('faults the consumer reports keep their messages and are counted by stage', async () => {
    const { log, lines } = recorder();
    const m = createSinkMetrics(log);
    m.consumerFault({ kind: 'commit_retry', err: new Error('timeout'), partition: 1, offset: '7', attempt: 0 });
    m.consumerFault({ kind: 'restart_failed', err: new Error('ECONNREFUSED'), attempt: 2 });
    m.consumerFault({ kind: 'connect_failed', err: new Error('ECONNRESET'), attempt: 1 });
    m.consumerCrashed(new Error('boom'), false);
    expect(lines.map((l) => [l.level, l.msg, l.fields.stage, l.fields.err])).toEqual([
      ['info', 'offset commit failed, retrying', 'commit', 'timeout'],
      ['warn', 'consumer restart failed; trying again', 'consumer', 'ECONNREFUSED'],
      ['warn', 'Kafka not reachable; the consumer keeps trying', 'consumer', 'ECONNRESET'],
      ['warn', 'consumer crashed; restarting', 'consumer', 'Error: boom'],
    ]);
    const text = await m.registry.metrics();
    expect(text).toContain('logship_sink_errors_total{stage="consumer",error_type="unavailable"} 2');
    expect(text).toContain('logship_sink_errors_total{stage="consumer",error_type="crashed"} 1');
  });

  it('a rebalance starting and a rejoin after one are two events; only the rejoin is counted', async () => {
    const { log, lines } = recorder();
    const m = createSinkMetrics(log);
    m.rebalanceStarted();
    m.rejoined();
    expect(lines.map((l) => l.msg)).toEqual(['group rebalance started', 'rejoined the group after a rebalance']);
    expect(await m.registry.metrics()).toContain('logship_sink_rebalances_total 1');
  });

  it('a batch left by shutdown is not a fault; one left because the group refused a heartbeat is', async () => {
    const { log, lines } = recorder();
    const m = createSinkMetrics(log);
    m.batchLeftUnfinished(0, 'shutdown');
    m.batchLeftUnfinished(0, 'heartbeat_refused', new Error('The group is rebalancing'));
    expect(lines.map((l) => [l.msg, l.fields.why, l.fields.stage])).toEqual([
      ['leaving the batch unfinished', 'shutdown grace over', undefined],
      ['leaving the batch unfinished', 'heartbeat refused (group rebalancing)', 'heartbeat'],
    ]);
    expect(await m.registry.metrics()).toContain('logship_sink_errors_total{stage="heartbeat",error_type="refused"} 1');
  });
});
