// When checkpoints are written: every second when the state changed (an idle agent writes and fsyncs nothing;
// it does not even build the state to compare unless Kafka acknowledged something or FULL_CHECK_EVERY_MS passed),
// once per scan or read round for decisions that must reach the disk
// before more work is done (a rotation, new identities: batched per round, never once per file: each write is
// the whole file), and at shutdown. A write that fails leaves the last good file in place and is retried with the
// next periodic one; the time journal is compacted to what a written checkpoint covers.
import fs from 'node:fs';
import { errorMessage } from '../../common/errors.js';
import type { AgentMetrics } from '../metrics.js';
import { loadCheckpoints, writeCheckpoints, type CheckpointState } from './checkpoint-store.js';

export const CHECKPOINT_EVERY_MS = 1000;
/**
 * Without an acknowledgement (`touch`) or a decision (`markDirty`) the state is built and compared only this
 * often: a state that changed some other way (a file closed as inactive) reaches the disk within it. Building
 * and serializing 200 files' state every second was a third of an idle agent's CPU.
 */
export const FULL_CHECK_EVERY_MS = 5000;

export interface CheckpointerOptions {
  dataDir: string;
  now: () => number;
  metrics: Pick<AgentMetrics, 'checkpointWritten' | 'checkpointFailed' | 'checkpointCorrupt' | 'stateWriteRecovered'>;
  /** The state to write now; `previous` is the one last written (or loaded). */
  snapshot: (previous: CheckpointState) => CheckpointState;
  /** After a write: read-time marks below each identity's offset are no longer needed. */
  compact: (keep: Map<string, number>) => void;
}

export interface Checkpointer {
  /** Reads the checkpoint file; a corrupt one is moved aside and reported (`corrupt`: read every file from 0). */
  load(): { state: CheckpointState; corrupt: boolean };
  /** The state last written or loaded. */
  readonly state: CheckpointState;
  /** A decision that must reach the checkpoint file before more work is done. */
  markDirty(): void;
  readonly dirty: boolean;
  /** Offsets may have moved (an acknowledgement): the next periodic write compares the state. */
  touch(): void;
  /** Write at once, unless a write failed less than a period ago (it then waits for the next periodic one). */
  soon(): void;
  /** Write now. */
  now(): void;
  /** Why the last write failed; undefined once one succeeded. */
  readonly failure: string | undefined;
  /** Successful writes so far: a state changed before the count passed n is on disk once it has. */
  readonly written: number;
  /** Write every CHECKPOINT_EVERY_MS, when the state changed, until stop(). */
  start(): void;
  stop(): void;
}

export function createCheckpointer(o: CheckpointerOptions): Checkpointer {
  let state: CheckpointState = { files: {}, streams: {} };
  let dirty = false;
  let failure: string | undefined;
  let failures = 0;
  let failedAt = 0;
  let written = 0;
  let timer: NodeJS.Timeout | undefined;
  /** The state text last written: the periodic write skips a state that did not change. */
  let writtenJson: string | undefined;
  let touched = true;
  let comparedAt = 0;

  function writeNow(periodic = false) {
    if (periodic && !dirty && !touched && failure === undefined && o.now() - comparedAt < FULL_CHECK_EVERY_MS) return;
    touched = false;
    comparedAt = o.now();
    const next = o.snapshot(state);
    const json = JSON.stringify(next);
    if (periodic && !dirty && failure === undefined && json === writtenJson) return;
    try {
      writeCheckpoints(o.dataDir, next, json);
    } catch (err) {
      // The file on disk stays the last good one (the write is atomic); retried every second.
      failure = errorMessage(err);
      failedAt = o.now();
      o.metrics.checkpointFailed(err, ++failures);
      return;
    }
    dirty = false;
    state = next;
    writtenJson = json;
    written++;
    o.metrics.checkpointWritten();
    if (failures > 0) o.metrics.stateWriteRecovered('checkpoints', failures);
    failure = undefined;
    failures = 0;
    o.compact(new Map(Object.values(next.files).map((f) => [f.identity, f.offset])));
  }

  return {
    load() {
      fs.mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
      const loaded = loadCheckpoints(o.dataDir, o.now);
      if (loaded.corrupt) o.metrics.checkpointCorrupt(loaded.corrupt.reason, loaded.corrupt.movedTo);
      state = loaded.state;
      return { state, corrupt: loaded.corrupt !== undefined };
    },
    get state() {
      return state;
    },
    markDirty() {
      dirty = true;
    },
    get dirty() {
      return dirty;
    },
    touch() {
      touched = true;
    },
    // A full disk is not freed between two reads, and each attempt would be another error.
    soon() {
      if (failure !== undefined && o.now() - failedAt < CHECKPOINT_EVERY_MS) return;
      writeNow();
    },
    now: () => writeNow(),
    get failure() {
      return failure;
    },
    get written() {
      return written;
    },
    start() {
      timer ??= setInterval(() => writeNow(true), CHECKPOINT_EVERY_MS);
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
