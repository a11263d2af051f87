// What /readyz and test-output say about a topic's replication: blocking (acks=-1 writes stall) vs degraded.
import { describe, expect, it } from 'vitest';
import { agentReadiness } from '../../agent/readiness.js';
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
});
