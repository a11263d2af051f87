// A stream source: stdin or one output of a wrapped command. Lines are framed, written to the spool, then
// produced; the checkpoint is the sequence number below which Kafka acknowledged everything. When the spool
// is full the input is paused (back-pressure on the pipe) or, if configured, new lines are dropped and counted.
// When the spool cannot be written (disk full), lines are held in memory, not produced, and the input paused
// until they are in the spool: a line never leaves before it is on disk.
import { createHash } from 'node:crypto';
import { errorMessage } from '../../../common/errors.js';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { SourceType } from '../../../common/event.js';
import { createAckWatermark, type AckWatermark } from '../../pipeline/ack-watermark.js';
import type { AgentMetrics } from '../../metrics.js';
import type { AckSink, Batcher } from '../../pipeline/batcher.js';
import type { StreamCheckpoint } from '../../state/checkpoint-store.js';
import type { EventLine, EventRules } from '../../pipeline/event-builder.js';
import { createEventEncoder, type EventEncoder } from '../../pipeline/event-encoder.js';
import { createLineFramer, type FramedLine } from '../../pipeline/line-framer.js';
import { Spool, type SpoolRecord } from './spool.js';

export interface StreamContext {
  host: string;
  dataDir: string;
  maxLineBytes: number;
  spoolMaxBytes: number;
  spoolFull: 'block' | 'drop_newest';
  parseJson: boolean;
  /** Bounds on what is taken from a line (JSON shape, time window); the defaults when absent. */
  rules?: EventRules;
  batcher: Batcher;
  metrics: AgentMetrics;
  now: () => number;
}

function streamIdentity(host: string, name: string, created: number): string {
  return createHash('sha256')
    .update(JSON.stringify(['stream', host, name, created]))
    .digest('hex')
    .slice(0, 24);
}

export class StreamSource {
  readonly name: string;
  readonly type: SourceType;
  readonly identity: string;
  private nextSeq: number;
  private marks: AckWatermark;
  /** Where acknowledgements go: the watermark, then the pipe may resume. One for all events, not one per event. */
  private readonly acks: AckSink = {
    ack: (ticket) => {
      this.marks.ack(ticket);
      this.applyBackpressure();
    },
  };
  private spool: Spool;
  private input: Readable | undefined;
  private paused = false;
  private ended = false;
  /** Records read but not yet in the spool (it could not be written), oldest first. */
  private held: Array<{ rec: SpoolRecord; commandLine?: string }> = [];
  private heldWaiters: Array<() => void> = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** Why the spool cannot be written now; undefined when it can. */
  spoolFailure: string | undefined;
  /** Never throws: a line that cannot be built as usual is sent plain and marked (it may be spooled from a past run). */
  private encode: EventEncoder;
  private encodeExit: EventEncoder;

  constructor(
    name: string,
    type: SourceType,
    cp: StreamCheckpoint | undefined,
    private ctx: StreamContext,
  ) {
    this.name = name;
    this.type = type;
    this.identity = cp?.identity ?? streamIdentity(ctx.host, name, ctx.now());
    const acked = cp?.seq ?? 0;
    this.spool = new Spool(path.join(ctx.dataDir, 'spool', this.identity), ctx.spoolMaxBytes);
    const left = this.spool.load(acked);
    this.nextSeq = left.length > 0 ? left[left.length - 1].seq + 1 : acked;
    this.marks = createAckWatermark(acked);
    const enc = { host: ctx.host, rules: ctx.rules, events: ctx.metrics, now: ctx.now };
    this.encode = createEventEncoder({ ...enc, parseJson: ctx.parseJson });
    this.encodeExit = createEventEncoder({ ...enc, parseJson: false });
    // What a previous run spooled and Kafka never acknowledged goes first, with its original ids and times.
    for (const r of left) this.produce(r);
  }

  checkpoint(): StreamCheckpoint {
    this.spool.release(this.marks.watermark);
    return { identity: this.identity, seq: this.marks.watermark };
  }

  /** Reads `input` to its end. Resolves when it ended and every line is in the spool. */
  attach(input: Readable): Promise<void> {
    this.input = input;
    const framer = createLineFramer({ maxLineBytes: this.ctx.maxLineBytes });
    // A throw in a handler would be an uncaught exception (the process dies, and a spooled line kills every
    // restart): each line is accepted on its own, and a failure is counted while the input keeps flowing.
    input.on('data', (chunk: Buffer) => {
      this.guarded(() => {
        for (const line of framer.push(chunk)) this.guarded(() => this.accept(line));
      });
      this.guarded(() => this.applyBackpressure());
    });
    return new Promise((resolve) => {
      const finish = () => {
        if (this.ended) return;
        this.guarded(() => {
          const last = framer.flushPartial();
          if (last) this.accept(last);
        });
        this.ended = true;
        void this.spooled().then(() => {
          try {
            this.spool.sync();
          } catch (err) {
            this.ctx.metrics.stateWriteFailed('spool', `cannot sync the spool: ${errorMessage(err)}`, 1, err);
          }
          resolve();
        });
      };
      input.on('end', finish);
      input.on('close', finish);
      input.on('error', finish);
    });
  }

  private guarded(fn: () => void) {
    try {
      fn();
    } catch (err) {
      this.ctx.metrics.streamHandlerFailed(this.name, err);
    }
  }

  /** An event that is not a line: the exit of a wrapped command. */
  recordExit(code: number | null, signal: string | null, commandLine: string): void {
    const msg = signal ? `process exited on signal ${signal}` : `process exited with code ${code}`;
    const rec: SpoolRecord = { seq: this.nextSeq++, time: this.ctx.now(), message: msg, exitCode: code, signal };
    this.held.push({ rec, commandLine });
    if (this.spoolHeld()) {
      try {
        this.spool.sync();
      } catch (err) {
        this.ctx.metrics.stateWriteFailed('spool', `cannot sync the spool: ${errorMessage(err)}`, 1, err);
      }
    }
  }

  /** Resolves when every record read so far is in the spool (and so handed to the producer). */
  spooled(): Promise<void> {
    if (this.held.length === 0) return Promise.resolve();
    return new Promise((r) => this.heldWaiters.push(r));
  }

  /** Moves held records to the spool and the producer, in order; false when the spool still cannot be written. */
  private spoolHeld(): boolean {
    while (this.held.length > 0) {
      const { rec, commandLine } = this.held[0];
      try {
        this.spool.append(rec);
      } catch (err) {
        this.spoolFailure = errorMessage(err);
        this.ctx.metrics.stateWriteFailed('spool', this.spoolFailure, ++this.failures, err);
        // A full disk is not freed in a moment: try again in a second (the input stays paused meanwhile).
        this.retryTimer ??= setTimeout(() => {
          this.retryTimer = undefined;
          if (this.spoolHeld()) this.applyBackpressure();
        }, 1000);
        return false;
      }
      this.held.shift();
      this.produce(rec, commandLine);
    }
    if (this.failures > 0) this.ctx.metrics.stateWriteRecovered('spool', this.failures);
    this.failures = 0;
    this.spoolFailure = undefined;
    for (const w of this.heldWaiters.splice(0)) w();
    return true;
  }

  private accept(line: FramedLine) {
    this.ctx.metrics.lineRead(this.type, line.bytes);
    if (line.truncated) this.ctx.metrics.lineTruncated(this.name, this.nextSeq, line.bytes - this.ctx.maxLineBytes);
    if (line.invalidUtf8) this.ctx.metrics.lineInvalidUtf8(this.name, this.nextSeq);
    if (this.spool.full && this.ctx.spoolFull === 'drop_newest') {
      this.ctx.metrics.linesDiscarded('spool_full', 1, this.name);
      return;
    }
    const rec: SpoolRecord = {
      seq: this.nextSeq++,
      time: this.ctx.now(),
      message: line.text,
      truncated: line.truncated || undefined,
      invalidUtf8: line.invalidUtf8 || undefined,
    };
    this.held.push({ rec });
    if (this.held.length === 1) this.spoolHeld(); // else a retry is pending: keep the order
  }

  private produce(r: SpoolRecord, commandLine?: string) {
    const exit = r.exitCode !== undefined;
    const line: EventLine = { offset: r.seq, text: r.message, truncated: r.truncated ?? false, invalidUtf8: r.invalidUtf8 ?? false };
    const src = { type: this.type, name: this.name, identity: this.identity };
    const value = exit
      ? this.encodeExit(
          src,
          line,
          r.time,
          (e) => (e.process = { exit_code: r.exitCode, signal: r.signal ?? null, command_line: commandLine }),
        )
      : this.encode(src, line, r.time);
    const ticket = this.marks.add(r.seq + 1);
    this.ctx.batcher.add({ key: this.ctx.host, value, acks: this.acks, ticket });
  }

  /** Pause the pipe while the spool is full or the producer has no room; resume when both have room. */
  private applyBackpressure() {
    if (!this.input || this.ended) return;
    if (this.ctx.spoolFull === 'block') {
      if (this.spool.bytes > 0 && this.marks.pending > 0) this.spool.release(this.marks.watermark);
    }
    const stop = (this.ctx.spoolFull === 'block' && this.spool.full) || !this.ctx.batcher.hasRoom || this.held.length > 0;
    if (stop && !this.paused) {
      this.paused = true;
      this.input.pause();
      const retry = () => {
        this.paused = false;
        this.applyBackpressure();
        if (!this.paused) this.input?.resume();
      };
      if (!this.ctx.batcher.hasRoom) void this.ctx.batcher.waitForRoom().then(() => setTimeout(retry, 10));
      else setTimeout(retry, 50);
    }
  }

  close() {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.spool.close();
  }
}
