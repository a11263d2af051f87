// Why the agent is not ready (/readyz answers 503 with these reasons): Kafka away or refusing requests, or a file
// of the state directory that cannot be written (reading or input waits for it meanwhile).
import type { Readiness } from '../common/health-server.js';

export interface AgentHealth {
  kafkaConnected: boolean;
  /** Why the last produce request failed, while requests fail. */
  produceFailure: string | undefined;
  checkpointFailure: string | undefined;
  journalFailure: string | undefined;
  spoolFailures: Array<string | undefined>;
}

export function agentReadiness(h: AgentHealth): Readiness {
  const reasons: string[] = [];
  if (!h.kafkaConnected) reasons.push('kafka: producer not connected');
  else if (h.produceFailure !== undefined) reasons.push(`kafka: ${h.produceFailure}`);
  if (h.checkpointFailure) reasons.push(`checkpoint: ${h.checkpointFailure} (the last good checkpoint stays; retried every second)`);
  if (h.journalFailure) reasons.push(`state: ${h.journalFailure} (reading paused: no line leaves before its read time is on disk)`);
  for (const s of h.spoolFailures) if (s) reasons.push(`spool: ${s} (input paused)`);
  return { ready: reasons.length === 0, reasons };
}
