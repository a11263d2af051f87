// The agent's internal events: one function each, updating the metric and writing the log line together.
// Accounting that must balance: lines_read = lines_produced + lines in flight + lines_discarded (by reason)
// + lines_joined (multiline continuation lines travel inside the event before them).
// Faults go through `fault` (common/internal-events.ts): logged and counted in logship_agent_errors_total with the
// same stage and error_type.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { errorMessage } from '../common/errors.js';
import { createFaultReporter } from '../common/internal-events.js';
import type { Logger } from '../common/logger.js';
import { isRetriableKafkaError } from '../kafka/errors.js';
import { createLineEvents } from './line-events.js';

export type DiscardReason = 'spool_full';
/** The files of the state directory (`agent.data_dir`) that the agent writes. */
export type StateFile = 'checkpoints' | 'read_times' | 'spool';
const MAX_FILE_LABELS = 200;

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
  collectDefaultMetrics({ register: registry, prefix: 'logship_agent_' });
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
    'Lines joined onto the event before them by multiline (read, sent inside that event).',
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
  const rotations = c('logship_agent_file_rotations_total', 'Files seen renamed away, truncated or replaced.', ['kind']);
  const unackedBytes = g('logship_agent_unacked_bytes', 'Encoded bytes handed to the producer and not yet acknowledged.');
  const inflightLines = g('logship_agent_lines_in_flight', 'Lines handed to the producer and not yet acknowledged.');
  const filesWatched = g('logship_agent_files_watched', 'Files open for tailing.');
  const filesWaiting = g('logship_agent_files_waiting', 'Files waiting for a descriptor (agent.max_open_files); they get one in turn.');
  const filesIdle = g(
    'logship_agent_files_idle',
    'Known files without a descriptor: closed while idle so waiting files could be opened; reopened from their checkpoint when they change.',
  );
  const idleCloses = c('logship_agent_files_idle_closed_total', 'Files closed while idle to free a descriptor for a waiting file.');
  const openRefused = c(
    'logship_agent_open_refused_total',
    'Opens refused: the path held a symbolic link (link) or another file (swapped) than was matched. Retried next scan.',
    ['reason'],
  );
  const bytesBehind = g('logship_agent_bytes_behind', 'Bytes in tailed files past the acknowledged checkpoint, all files.');
  const fileBytesBehind = g(
    'logship_agent_file_bytes_behind',
    `Per file: bytes past the acknowledged checkpoint (first ${MAX_FILE_LABELS} files).`,
    ['file'],
  );
  const produceLatency = new Histogram({
    name: 'logship_agent_produce_latency_seconds',
    help: 'Produce request latency until acknowledged.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const fault = createFaultReporter({ component: 'agent', registry, log, stages: FAULT_STAGES, errorTypes: FAULT_TYPES });

  return {
    registry,
    ...createLineEvents(registry, log, fault),
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
      log.warn({ reason, lines: n, source }, 'lines discarded');
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
    symlinkSkipped(path: string) {
      log.warn({ path }, 'symbolic link matches the include globs: skipped (agent.files.follow_symlinks is false)');
    },
    fileOpened(path: string, offset: number, identity: string, why: string) {
      log.info({ path, offset, identity, why }, 'tailing file');
    },
    fileReopened(path: string, offset: number) {
      log.debug({ path, offset }, 'file changed: reopened from its checkpoint');
    },
    fileIdleClosed(path: string, offset: number) {
      idleCloses.inc();
      log.debug({ path, offset }, 'file idle: closed to free a descriptor for a waiting file');
    },
    /** The file at `path` is not the one the walk matched: a link (`link`, O_NOFOLLOW) or another file (`swapped`). */
    openRefused(reason: 'link' | 'swapped', path: string) {
      openRefused.inc({ reason });
      if (reason === 'link') log.warn({ path, reason }, 'a symbolic link replaced a matched file before it was opened: not followed');
      else log.info({ path, reason }, 'file replaced between matching and opening: skipped until the next scan');
    },
    fileClosed(path: string, offset: number, why: string) {
      log.info({ path, offset, why }, 'file closed');
    },
    fileRotated(kind: 'renamed' | 'truncated' | 'replaced' | 'deleted', path: string, detail: Record<string, unknown> = {}) {
      rotations.inc({ kind });
      log.info({ path, kind, ...detail }, 'file rotation detected');
    },
    setGauges(v: {
      unackedBytes: number;
      inflightLines: number;
      files: Iterable<{ closed: boolean; path: string; bytesBehind: number }>;
      waiting?: number;
      idle?: number;
    }) {
      unackedBytes.set(v.unackedBytes);
      inflightLines.set(v.inflightLines);
      filesWaiting.set(v.waiting ?? 0);
      filesIdle.set(v.idle ?? 0);
      let open = 0;
      let total = 0;
      let labelled = 0;
      fileBytesBehind.reset();
      for (const f of v.files) {
        if (!f.closed) open++;
        total += f.bytesBehind;
        if (labelled++ < MAX_FILE_LABELS) fileBytesBehind.set({ file: f.path }, f.bytesBehind);
      }
      filesWatched.set(open);
      bytesBehind.set(total);
    },
  };
}

export type AgentMetrics = ReturnType<typeof createAgentMetrics>;
