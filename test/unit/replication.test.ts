// What /readyz and test-output say about a topic's replication: blocking (acks=-1 writes stall) vs degraded.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../common/logger.js';
import type { KafkaClientOptions } from '../../kafka/options.js';
import { watchReplication } from '../../kafka/replication-watch.js';
import { NO_ACK_NOT_READY_MS, agentReadiness } from '../../agent/readiness.js';
import { replicationProblems } from '../../kafka/replication.js';

const topic = (isr: number[][], leader = [1, 2], min: number | undefined = 2) => ({
  topic: 'logs',
  replicationFactor: 3,
  minInsyncReplicas: min,
  partitions: isr.map((i, n) => ({ partition: n, leader: leader[n] ?? 1, replicas: [1, 2, 3], isr: i })),
});

describe('replicationProblems', () => {
  it('says nothing when every replica is in sync', () => {
    expect(
      replicationProblems(
        topic([
          [1, 2, 3],
          [2, 3, 1],
        ]),
      ),
    ).toEqual({ blocking: [], degraded: [] });
  });
  it('an ISR of 2 of 3 with min 2 is under-replicated, still writable', () => {
    const p = replicationProblems(
      topic([
        [1, 2],
        [2, 3, 1],
      ]),
    );
    expect(p.blocking).toEqual([]);
    expect(p.degraded).toEqual(['partition logs-0 under-replicated (2 of 3 replicas in sync)']);
  });
  it('an ISR below min.insync.replicas, or no leader, blocks acks=-1 writes', () => {
    const p = replicationProblems(topic([[1], [3]], [1, -1]));
    expect(p.blocking).toEqual([
      'partition logs-0 has 1 in-sync replica(s), below min.insync.replicas 2: produce stalls (NOT_ENOUGH_REPLICAS)',
      'partition logs-1 has no leader',
    ]);
  });
});

describe('agent readiness with the replication watch', () => {
  const base = {
    kafkaConnected: true,
    produceFailure: undefined,
    checkpointFailure: undefined,
    journalFailure: undefined,
    spoolFailures: [],
  };
  it('stays ready while under-replicated, and says so', () => {
    const r = agentReadiness({
      ...base,
      replication: { blocking: [], degraded: ['partition logs-0 under-replicated (2 of 3 replicas in sync)'] },
    });
    expect(r).toEqual({ ready: true, reasons: ['kafka: partition logs-0 under-replicated (2 of 3 replicas in sync)'] });
  });
  it('is not ready when the ISR is below the minimum', () => {
    const r = agentReadiness({ ...base, replication: { blocking: ['partition logs-0 has no leader'], degraded: [] } });
    expect(r.ready).toBe(false);
    expect(r.reasons).toEqual(['kafka: partition logs-0 has no leader']);
  });
  it('is not ready when events waited NO_ACK_NOT_READY_MS for any acknowledgement, though metadata looks healthy', () => {
    expect(agentReadiness({ ...base, unackedMs: NO_ACK_NOT_READY_MS - 1, inflightEvents: 10 }).ready).toBe(true);
    const r = agentReadiness({ ...base, unackedMs: 21_400, inflightEvents: 3400 });
    expect(r.ready).toBe(false);
    expect(r.reasons).toEqual([
      'kafka: no acknowledgement for 21 s with 3400 events in flight (brokers down, or the ISR below min.insync.replicas?)',
    ]);
  });
});

describe('watchReplication', () => {
  const silent = { warn: () => undefined, info: () => undefined } as unknown as Logger;
  const opts = { brokers: ['x:1'], requestTimeout: 30_000 } as unknown as KafkaClientOptions;
  afterEach(() => void vi.useRealTimers());

  it('looks every 30 s while all is in sync, every 5 s while something is not, and not after stop', async () => {
    vi.useFakeTimers();
    let isr = [1, 2, 3];
    const looks: number[] = [];
    const describe = async () => {
      looks.push(Date.now());
      return topic([isr]);
    };
    const w = watchReplication(opts, silent, 'logs', {}, describe);
    await vi.advanceTimersByTimeAsync(0);
    expect(looks).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(looks).toHaveLength(1); // healthy: nothing for 30 s
    isr = [1, 2];
    await vi.advanceTimersByTimeAsync(1000);
    expect(looks).toHaveLength(2);
    expect(w.problems.degraded).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(looks).toHaveLength(3); // degraded: every 5 s
    isr = [1, 2, 3];
    await vi.advanceTimersByTimeAsync(5000);
    expect(w.problems).toEqual({ blocking: [], degraded: [] });
    w.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(looks).toHaveLength(4);
  });
});
