// The agent's internal events: one function each, updating the metric and writing the log line together.
// Accounting that must balance: lines_read = lines_produced + lines in flight + lines_discarded (by reason)
// + lines_joined (multiline continuation lines travel inside the event before them).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from '../common/logger.js';

export type DiscardReason = 'spool_full';
/** The files of the state directory (`agent.data_dir`) that the agent writes. */
export type StateFile = 'checkpoints' | 'read_times' | 'spool';
const MAX_FILE_LABELS = 200;

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

  /** The first failure of a streak is an error; repeats (one a second while a disk stays full) are quieter. */
  function logStateFailure(file: StateFile, err: string, consecutive: number, msg: string) {
    if (consecutive === 1) log.error({ file, err }, msg);
    else if (consecutive % 60 === 0) log.warn({ file, err, consecutive }, msg);
    else log.debug({ file, err, consecutive }, msg);
  }

  return {
    registry,
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
    produceFailed(err: string, attempt: number, events: number) {
      produceErrors.inc();
      const level = attempt === 1 || attempt % 10 === 0 ? 'warn' : 'debug';
      log[level]({ err, attempt, events }, 'produce failed, retrying (reading pauses while Kafka is away)');
    },
    producerRebuilt(reason: string) {
      producerRebuilds.inc();
      log.warn({ reason }, 'producer rebuilt');
    },
    checkpointWritten() {
      checkpointWrites.inc();
    },
    checkpointFailed(err: string, consecutive: number) {
      checkpointErrors.inc();
      stateWriteErrors.inc({ file: 'checkpoints' });
      logStateFailure(
        'checkpoints',
        err,
        consecutive,
        'checkpoint write failed; will retry every second (progress on disk stays at the last good checkpoint)',
      );
    },
    /** A write to the state directory failed (retried by the caller); reading or input pauses meanwhile. */
    stateWriteFailed(file: StateFile, err: string, consecutive: number) {
      stateWriteErrors.inc({ file });
      logStateFailure(
        file,
        err,
        consecutive,
        file === 'read_times'
          ? 'cannot record read times; reading paused until it can (no line leaves before its read time is on disk)'
          : 'cannot write to the spool; input paused until it can',
      );
    },
    stateWriteRecovered(file: StateFile, failures: number) {
      log.warn({ file, failed_attempts: failures }, 'state directory writable again; resuming');
    },
    fileOpened(path: string, offset: number, identity: string, why: string) {
      log.info({ path, offset, identity, why }, 'tailing file');
    },
    fileClosed(path: string, offset: number, why: string) {
      log.info({ path, offset, why }, 'file closed');
    },
    fileRotated(kind: 'renamed' | 'truncated' | 'replaced' | 'deleted', path: string, detail: Record<string, unknown> = {}) {
      rotations.inc({ kind });
      log.info({ path, kind, ...detail }, 'file rotation detected');
    },
    setGauges(v: { unackedBytes: number; inflightLines: number; files: number; behind: Array<[string, number]> }) {
      unackedBytes.set(v.unackedBytes);
      inflightLines.set(v.inflightLines);
      filesWatched.set(v.files);
      let total = 0;
      fileBytesBehind.reset();
      v.behind.forEach(([p, b], i) => {
        total += b;
        if (i < MAX_FILE_LABELS) fileBytesBehind.set({ file: p }, b);
      });
      bytesBehind.set(total);
    },
  };
}

export type AgentMetrics = ReturnType<typeof createAgentMetrics>;
