// The agent's faults: each is one call that logs the line and counts it in logship_agent_errors_total with the
// same stage and error_type; a fault that repeats every second is loud once, then now and then.
import { describe, expect, it } from 'vitest';
import { LogshipError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { createAgentMetrics } from '../../agent/metrics.js';

function recorder() {
  const lines: Array<{ level: string; fields: Record<string, unknown>; msg: string }> = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) => lines.push({ level, fields, msg });
  const log = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') } as unknown as Logger;
  return { log, lines };
}

const errno = (code: string) => Object.assign(new Error(`${code}: failed`), { code });

async function errorsTotal(metrics: ReturnType<typeof createAgentMetrics>): Promise<Record<string, number>> {
  const m = await metrics.registry.getSingleMetric('logship_agent_errors_total')!.get();
  return Object.fromEntries(m.values.map((v) => [`${v.labels.stage}/${v.labels.error_type}`, v.value]));
}

describe('agent faults', () => {
  it('a checkpoint that cannot be written: error first, then once a minute; counted three ways', async () => {
    const { log, lines } = recorder();
    const metrics = createAgentMetrics(log);
    // writeCheckpoints wraps the errno in a typed error: the type is found along the cause chain.
    const err = new LogshipError('LOGSHIP_ERR_CHECKPOINT_WRITE', 'cannot write checkpoints.json: ENOSPC', { cause: errno('ENOSPC') });
    for (let n = 1; n <= 60; n++) metrics.checkpointFailed(err, n);
    expect(lines.map((l) => l.level).filter((l) => l !== 'debug')).toEqual(['error', 'warn']);
    expect(lines[0]).toEqual({
      level: 'error',
      fields: { stage: 'checkpoint', error_type: 'disk_full', file: 'checkpoints', err: 'cannot write checkpoints.json: ENOSPC' },
      msg: 'checkpoint write failed; will retry every second (progress on disk stays at the last good checkpoint)',
    });
    expect(lines[59].fields.consecutive).toBe(60);
    expect(await errorsTotal(metrics)).toEqual({ 'checkpoint/disk_full': 60 });
    expect(await metrics.registry.getSingleMetricAsString('logship_agent_checkpoint_errors_total')).toContain(' 60');
    expect(await metrics.registry.getSingleMetricAsString('logship_agent_state_write_errors_total')).toContain('file="checkpoints"} 60');
  });

  it('read times and spool: their own stage, the logged text kept, the type from the error itself', async () => {
    const { log, lines } = recorder();
    const metrics = createAgentMetrics(log);
    metrics.stateWriteFailed('read_times', 'cannot append to read-times.log: EROFS', 1, errno('EROFS'));
    metrics.stateWriteFailed('spool', 'cannot sync the spool: EIO', 1, errno('EIO'));
    expect(lines.map((l) => [l.level, l.fields.stage, l.fields.error_type, l.fields.err])).toEqual([
      ['error', 'state', 'permission', 'cannot append to read-times.log: EROFS'],
      ['error', 'spool', 'io', 'cannot sync the spool: EIO'],
    ]);
    expect(lines[0].msg).toMatch(/^cannot record read times; reading paused/);
    expect(lines[1].msg).toMatch(/^cannot write to the spool; input paused/);
    expect(await errorsTotal(metrics)).toEqual({ 'state/permission': 1, 'spool/io': 1 });
  });

  it('produce failures: warn on the first and every tenth, debug between; Kafka errors by retriability', async () => {
    const { log, lines } = recorder();
    const metrics = createAgentMetrics(log);
    const retriable = Object.assign(new Error('leader not available'), { retriable: true });
    for (let n = 1; n <= 20; n++) metrics.produceFailed(retriable, n, 7);
    metrics.producerRebuilt(Object.assign(new Error('bad record'), { retriable: false }));
    const levels = lines.slice(0, 20).map((l) => l.level);
    expect(levels.flatMap((l, i) => (l === 'warn' ? [i + 1] : []))).toEqual([1, 10, 20]);
    expect(lines[0].fields).toEqual({
      stage: 'produce',
      error_type: 'kafka_retriable',
      attempt: 1,
      events: 7,
      err: 'leader not available',
    });
    expect(lines[20]).toEqual({
      level: 'warn',
      fields: { stage: 'rebuild', error_type: 'kafka_non_retriable', reason: 'bad record' },
      msg: 'producer rebuilt',
    });
    expect(await errorsTotal(metrics)).toEqual({ 'produce/kafka_retriable': 20, 'rebuild/kafka_non_retriable': 1 });
    expect(await metrics.registry.getSingleMetricAsString('logship_agent_produce_errors_total')).toContain(' 20');
  });

  it('scan, open, read, topic, connect and a corrupt checkpoint each have a stage', async () => {
    const { log, lines } = recorder();
    const metrics = createAgentMetrics(log);
    metrics.scanFailed(errno('EMFILE'));
    metrics.openFailed('/var/log/a.log', errno('EACCES'));
    metrics.openFailed('/var/log/b.log', new Error('unexpected'), 'error');
    metrics.readFailed('/var/log/c.log', errno('EIO'));
    metrics.topicCheckFailed(new Error('socket closed'));
    metrics.kafkaUnreachable(new Error('ECONNREFUSED'));
    metrics.checkpointCorrupt('checksum mismatch', '/data/checkpoints.json.corrupt-1');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['error', 'scan failed; will retry'],
      ['warn', 'cannot open file; will retry on next scan'],
      ['error', 'cannot open file; will retry on next scan'],
      ['warn', 'read failed'],
      ['warn', 'could not check the topic; producing anyway (brokers may auto-create it)'],
      ['warn', 'Kafka not reachable yet; will keep trying when there is something to send'],
      ['error', 'checkpoint file is corrupt: moved aside; every file is read from the beginning (duplicates are deduplicated by id)'],
    ]);
    expect(lines[1].fields.path).toBe('/var/log/a.log');
    expect(lines[6].fields).toEqual({
      stage: 'checkpoint',
      error_type: 'corrupt',
      reason: 'checksum mismatch',
      moved_to: '/data/checkpoints.json.corrupt-1',
    });
    expect(await errorsTotal(metrics)).toEqual({
      'scan/io': 1,
      'open/permission': 1,
      'open/io': 1,
      'read/io': 1,
      'topic/kafka_retriable': 1,
      'connect/kafka_retriable': 1,
      'checkpoint/corrupt': 1,
    });
  });

  it('a read that fails without an errno is an exception, not io; a failing file is loud once, then every 100th', async () => {
    const { log, lines } = recorder();
    const metrics = createAgentMetrics(log);
    for (let n = 1; n <= 100; n++) metrics.readFailed('/var/log/d.log', new RangeError('Maximum call stack size exceeded'), n);
    expect(lines.map((l) => l.level).filter((l) => l !== 'debug')).toEqual(['warn', 'warn']);
    expect(lines[0].fields).toMatchObject({ stage: 'read', error_type: 'exception', path: '/var/log/d.log' });
    expect(await errorsTotal(metrics)).toEqual({ 'read/exception': 100 });
  });
});
