// The agent's internal events: one function each, updating the metric and writing the log line together.
// Accounting that must balance: lines_read = lines_produced + lines in flight + lines_discarded (by reason)
// + lines_joined (multiline continuation lines travel inside the event before them).
// Faults go through `fault` (common/internal-events.ts): logged and counted in logship_agent_errors_total with the
// same stage and error_type.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { collectProcessMetrics } from '../common/process-metrics.js';
import { errorMessage } from '../common/errors.js';
import { createFaultReporter } from '../common/internal-events.js';
import type { Logger } from '../common/logger.js';
import { isRetriableKafkaError } from '../kafka/errors.js';
import { createFileEvents, type FileGauges } from './file-events.js';
import { createLineEvents } from './line-events.js';

export type DiscardReason = 'spool_full' | 'filtered';
/** The files of the state directory (`agent.data_dir`) that the agent writes. */
export type StateFile = 'checkpoints' | 'read_times' | 'spool';

/** Where a fault happened: the `stage` label of logship_agent_errors_total. */
const FAULT_STAGES = [
  'scan',
  'open',
  'read',
  'build',
  'stream',
  'checkpoint',
  'state',
  'spool',
  'produce',
  'rebuild',
  'connect',
  'topic',
] as const;
/** What kind of fault: the `error_type` label. File system faults by errno, Kafka's by whether a retry can help. */
const FAULT_TYPES = [
  'disk_full',
  'permission',
  'not_found',
  'io',
  'corrupt',
  'exception',
  'kafka_retriable',
  'kafka_non_retriable',
] as const;
type FaultType = (typeof FAULT_TYPES)[number];

/** A state directory that keeps refusing writes is retried every second: loud once, then once a minute. */
const STATE_STREAK = { first: 'error', every: 60, repeat: 'warn' } as const;

/** A file that keeps failing is retried every poll: loud once, then every 100th time. */
const READ_STREAK = { first: 'warn', every: 100, repeat: 'warn' } as const;

/** The errno code of a file system error, looked for along the cause chain (our typed errors wrap it). */
function errnoOf(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++)
    if (typeof e.code === 'string' && /^E[A-Z0-9]+$/.test(e.code)) return e.code;
  return undefined;
}

function fsFaultType(err: unknown): FaultType {
  switch (errnoOf(err)) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'disk_full';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'permission';
    case 'ENOENT':
      return 'not_found';
    default:
      return 'io';
  }
}

const kafkaFaultType = (err: unknown): FaultType => (isRetriableKafkaError(err) ? 'kafka_retriable' : 'kafka_non_retriable');

export function createAgentMetrics(log: Logger) {
  const registry = new Registry();
  collectProcessMetrics(registry, 'logship_agent_');
  const c = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers: [registry] });
  const g = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  const linesRead = c('logship_agent_lines_read_total', 'Lines (events) read from sources.', ['source_type']);
  const bytesRead = c('logship_agent_bytes_read_total', 'Bytes read from sources.', ['source_type']);
  const linesProduced = c('logship_agent_lines_produced_total', 'Lines acknowledged by Kafka.');
  const bytesProduced = c('logship_agent_bytes_produced_total', 'Encoded event bytes acknowledged by Kafka.');
  const linesDiscarded = c('logship_agent_lines_discarded_total', 'Lines not sent, by reason.', ['reason']);
  const truncated = c('logship_agent_lines_truncated_total', 'Lines cut at max_line_bytes (sent, marked log.truncated).');
  const bytesSkipped = c('logship_agent_bytes_skipped_total', 'Bytes beyond max_line_bytes, skipped.');
  const invalidUtf8 = c(
    'logship_agent_lines_invalid_utf8_total',
    'Lines that were not valid UTF-8 (sent with U+FFFD, marked log.invalid_utf8).',
  );
  const joined = c(
    'logship_agent_lines_joined_total',
    'Lines joined onto the event before them by multiline, or as pieces of a container line the runtime split (read, sent inside that event).',
  );
  const partialFlushed = c('logship_agent_lines_partial_flushed_total', 'Last lines without newline sent after partial_line_flush_ms.');
  const produceErrors = c('logship_agent_produce_errors_total', 'Failed produce requests (retried).');
  const producerRebuilds = c('logship_agent_producer_rebuilds_total', 'Producer rebuilt after repeated failures.');
  const checkpointWrites = c('logship_agent_checkpoint_writes_total', 'Checkpoint files written.');
  const checkpointErrors = c('logship_agent_checkpoint_errors_total', 'Checkpoint writes that failed (retried).');
  const stateWriteErrors = c(
    'logship_agent_state_write_errors_total',
    'Failed writes to the state directory (disk full, I/O error), by file: checkpoints, read_times, spool.',
    ['file'],
  );
  const unackedBytes = g('logship_agent_unacked_bytes', 'Encoded bytes handed to the producer and not yet acknowledged.');
  const inflightLines = g('logship_agent_lines_in_flight', 'Lines handed to the producer and not yet acknowledged.');
  const unackedSeconds = g(
    'logship_agent_unacked_seconds',
    'How long lines have been in flight without any acknowledgement from Kafka (0 when none are in flight); /readyz fails from 15 s.',
  );
  const produceLatency = new Histogram({
    name: 'logship_agent_produce_latency_seconds',
    help: 'Produce request latency until acknowledged.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const fileEvents = createFileEvents(registry, log);
  const fault = createFaultReporter({ component: 'agent', registry, log, stages: FAULT_STAGES, errorTypes: FAULT_TYPES });

  return {
    registry,
    ...createLineEvents(registry, log, fault),
    ...fileEvents,
    lineRead(sourceType: string, bytes: number) {
      linesRead.inc({ source_type: sourceType });
      bytesRead.inc({ source_type: sourceType }, bytes);
    },
    linesReadBulk(sourceType: string, lines: number, bytes: number) {
      linesRead.inc({ source_type: sourceType }, lines);
      bytesRead.inc({ source_type: sourceType }, bytes);
    },
    lineTruncated(source: string, offset: number, skipped: number) {
      truncated.inc();
      bytesSkipped.inc(skipped);
      log.warn({ source, offset, skipped_bytes: skipped }, 'line longer than max_line_bytes: sent cut, rest skipped');
    },
    lineInvalidUtf8(source: string, offset: number) {
      invalidUtf8.inc();
      log.debug({ source, offset }, 'line is not valid UTF-8: sent with replacement characters');
    },
    linesJoined(n: number) {
      joined.inc(n);
    },
    partialFlushed(source: string, offset: number) {
      partialFlushed.inc();
      log.info({ source, offset }, 'idle last line without newline sent');
    },
    linesDiscarded(reason: DiscardReason, n: number, source: string) {
      linesDiscarded.inc({ reason }, n);
      // Filtered lines are what the operator asked for: counted, logged only at debug.
      log[reason === 'filtered' ? 'debug' : 'warn']({ reason, lines: n, source }, 'lines discarded');
    },
    produced(events: number, bytes: number, ms: number) {
      linesProduced.inc(events);
      bytesProduced.inc(bytes);
      produceLatency.observe(ms / 1000);
    },
    /** A produce request failed (`attempt` in a row); the batcher retries it. */
    produceFailed(err: unknown, attempt: number, events: number) {
      produceErrors.inc();
      fault({
        stage: 'produce',
        errorType: kafkaFaultType(err),
        message: 'produce failed, retrying (reading pauses while Kafka is away)',
        err,
        fields: { attempt, events },
        consecutive: attempt,
        streak: {},
      });
    },
    /** The producer was replaced by a new one after `err` (repeated, or one retrying will not fix). */
    producerRebuilt(err: unknown) {
      producerRebuilds.inc();
      fault({ stage: 'rebuild', errorType: kafkaFaultType(err), message: 'producer rebuilt', fields: { reason: errorMessage(err) } });
    },
    kafkaUnreachable(err: unknown) {
      fault({
        stage: 'connect',
        errorType: kafkaFaultType(err),
        message: 'Kafka not reachable yet; will keep trying when there is something to send',
        err,
      });
    },
    topicCheckFailed(err: unknown) {
      fault({
        stage: 'topic',
        errorType: kafkaFaultType(err),
        message: 'could not check the topic; producing anyway (brokers may auto-create it)',
        err,
      });
    },
    scanFailed(err: unknown) {
      fault({ stage: 'scan', errorType: fsFaultType(err), level: 'error', message: 'scan failed; will retry', err });
    },
    /** `error` for a failure the opener did not expect (not a vanished or unreadable file). */
    openFailed(path: string, err: unknown, level: 'warn' | 'error' = 'warn') {
      fault({
        stage: 'open',
        errorType: fsFaultType(err),
        level,
        message: 'cannot open file; will retry on next scan',
        err,
        fields: { path },
      });
    },
    /** Reading `path` threw (`consecutive` times in a row): retried on the next round. Not a file system error: a bug. */
    readFailed(path: string, err: unknown, consecutive = 1) {
      const errorType = errnoOf(err) === undefined ? 'exception' : fsFaultType(err);
      fault({ stage: 'read', errorType, message: 'read failed', err, fields: { path }, consecutive, streak: READ_STREAK });
    },
    checkpointCorrupt(reason: string, movedTo: string) {
      fault({
        stage: 'checkpoint',
        errorType: 'corrupt',
        level: 'error',
        message: 'checkpoint file is corrupt: moved aside; every file is read from the beginning (duplicates are deduplicated by id)',
        fields: { reason, moved_to: movedTo },
      });
    },
    checkpointWritten() {
      checkpointWrites.inc();
    },
    checkpointFailed(err: unknown, consecutive: number) {
      checkpointErrors.inc();
      stateWriteErrors.inc({ file: 'checkpoints' });
      fault({
        stage: 'checkpoint',
        errorType: fsFaultType(err),
        message: 'checkpoint write failed; will retry every second (progress on disk stays at the last good checkpoint)',
        err,
        fields: { file: 'checkpoints' },
        consecutive,
        streak: STATE_STREAK,
      });
    },
    /**
     * A write to the state directory failed (retried by the caller); reading or input pauses meanwhile. `err` is
     * what to log, `cause` the error itself (its errno gives the error_type).
     */
    stateWriteFailed(file: 'read_times' | 'spool', err: string, consecutive: number, cause?: unknown) {
      stateWriteErrors.inc({ file });
      fault({
        stage: file === 'read_times' ? 'state' : 'spool',
        errorType: fsFaultType(cause),
        message:
          file === 'read_times'
            ? 'cannot record read times; reading paused until it can (no line leaves before its read time is on disk)'
            : 'cannot write to the spool; input paused until it can',
        err,
        fields: { file },
        consecutive,
        streak: STATE_STREAK,
      });
    },
    stateWriteRecovered(file: StateFile, failures: number) {
      log.warn({ file, failed_attempts: failures }, 'state directory writable again; resuming');
    },
    setGauges(v: { unackedBytes: number; inflightLines: number; unackedMs: number } & FileGauges) {
      unackedBytes.set(v.unackedBytes);
      unackedSeconds.set(v.unackedMs / 1000);
      inflightLines.set(v.inflightLines);
      fileEvents.setFileGauges(v);
    },
  };
}

export type AgentMetrics = ReturnType<typeof createAgentMetrics>;
