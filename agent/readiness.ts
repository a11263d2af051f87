// Why the agent is not ready (/readyz answers 503 with these reasons): Kafka away or refusing requests, or a file
// of the state directory that cannot be written (reading or input waits for it meanwhile), or the topic's
// partitions unable to take an acks=-1 write, or events in flight with no acknowledgement for NO_ACK_NOT_READY_MS
// (what a cluster below min.insync.replicas looks like from a producer whose requests just wait: the ISR cannot
// shrink while the controller quorum is gone, so metadata still looks healthy). Under-replicated partitions are
// listed while the agent stays ready.
import type { Readiness } from '../common/health-server.js';
import type { ReplicationProblems } from '../kafka/replication.js';

export interface AgentHealth {
  kafkaConnected: boolean;
  /** Why the last produce request failed, while requests fail. */
  produceFailure: string | undefined;
  checkpointFailure: string | undefined;
  journalFailure: string | undefined;
  spoolFailures: Array<string | undefined>;
  /** How long events have been in flight without any acknowledgement (the batcher's stalledMs). */
  unackedMs?: number;
  inflightEvents?: number;
  /** The topic's replication (kafka/replication-watch.ts): blocking problems make the agent not ready; degraded ones are said only. */
  replication?: ReplicationProblems;
}

/**
 * An acks=-1 request on a healthy cluster is answered in milliseconds, and in a few seconds on a loaded host; 15 s
 * without any acknowledgement (half of Kafka's 30 s request timeout, so before the client even reports an error)
 * means Kafka is not taking writes.
 */
export const NO_ACK_NOT_READY_MS = 15_000;

export function agentReadiness(h: AgentHealth): Readiness {
  const reasons: string[] = [];
  if (!h.kafkaConnected) reasons.push('kafka: producer not connected');
  else if (h.produceFailure !== undefined) reasons.push(`kafka: ${h.produceFailure}`);
  if ((h.unackedMs ?? 0) >= NO_ACK_NOT_READY_MS)
    reasons.push(
      `kafka: no acknowledgement for ${Math.round(h.unackedMs! / 1000)} s with ${h.inflightEvents ?? 0} events in flight (brokers down, or the ISR below min.insync.replicas?)`,
    );
  if (h.checkpointFailure) reasons.push(`checkpoint: ${h.checkpointFailure} (the last good checkpoint stays; retried every second)`);
  if (h.journalFailure) reasons.push(`state: ${h.journalFailure} (reading paused: no line leaves before its read time is on disk)`);
  for (const s of h.spoolFailures) if (s) reasons.push(`spool: ${s} (input paused)`);
  for (const r of h.replication?.blocking ?? []) reasons.push(`kafka: ${r}`);
  const notes = (h.replication?.degraded ?? []).map((r) => `kafka: ${r}`);
  return { ready: reasons.length === 0, reasons: [...reasons, ...notes] };
}
