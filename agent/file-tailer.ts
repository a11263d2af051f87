// One open file: reads new bytes at its position, frames lines, hands events to the batcher, and tracks the
// acknowledged watermark that becomes its checkpoint. Detects truncation in place (size below position).
import fs from 'node:fs';
import type { Batcher } from './batcher.js';
import type { FileCheckpoint } from './checkpoint-store.js';
import { buildEvent, encodeBounded } from './event-builder.js';
import { FP_MAX, fingerprint, newIdentity, readPrefix } from './file-identity.js';
import { createAckWatermark, type AckWatermark } from './ack-watermark.js';
import { createLineFramer, type FramedLine, type LineFramer } from './line-framer.js';
import type { AgentMetrics } from './agent-metrics.js';
import type { TimeJournal } from './time-journal.js';

export interface TailerContext {
  host: string;
  maxLineBytes: number;
  readBufferBytes: number;
  partialFlushMs: number;
  parseJson: boolean;
  batcher: Batcher;
  metrics: AgentMetrics;
  journal: TimeJournal;
  now: () => number;
}

/** A generation of a file that was truncated: kept so a copy made by copytruncate resumes where it stopped. */
export interface RetiredGeneration { identity: string; fp: string; fpLen: number; offset: number; firstSeen: number }

export type ReadResult = 'data' | 'eof' | 'blocked' | 'closed';

export class FileTailer {
  readonly key: string;
  path: string;
  entry: FileCheckpoint & { birth?: number };
  /** Still found at a matching path in the last scan. */
  atPath = true;
  closed = false;
  private fd: number;
  private framer: LineFramer;
  private marks: AckWatermark;
  private readOffset: number;
  private lastGrowth: number;
  private size = 0;
  private onRetire: (r: RetiredGeneration) => void;

  constructor(key: string, path: string, fd: number, entry: FileCheckpoint & { birth?: number }, private ctx: TailerContext, onRetire: (r: RetiredGeneration) => void) {
    this.key = key;
    this.path = path;
    this.fd = fd;
    this.entry = entry;
    this.readOffset = entry.offset;
    this.framer = createLineFramer({ startOffset: entry.offset, maxLineBytes: ctx.maxLineBytes });
    this.marks = createAckWatermark(entry.offset);
    this.lastGrowth = ctx.now();
    this.onRetire = onRetire;
  }

  /** Offset below which every line is acknowledged: the checkpoint. */
  get acked(): number {
    return this.marks.watermark;
  }

  get pendingAcks(): number {
    return this.marks.pending;
  }

  get bytesBehind(): number {
    return Math.max(0, this.size - this.marks.watermark);
  }

  get inactiveMs(): number {
    return this.ctx.now() - this.lastGrowth;
  }

  /** Read one chunk (fairness: the caller round-robins over files). */
  readOnce(): ReadResult {
    if (this.closed) return 'closed';
    if (!this.ctx.batcher.hasRoom) return 'blocked';
    const st = fs.fstatSync(this.fd);
    this.size = st.size;
    if (st.size < this.readOffset) {
      this.truncated(st.size);
      return 'data';
    }
    if (st.size === this.readOffset) {
      if (this.ctx.partialFlushMs > 0 && this.framer.pendingBytes > 0 && this.ctx.now() - this.lastGrowth >= this.ctx.partialFlushMs) {
        const line = this.framer.flushPartial();
        if (line) {
          this.ctx.metrics.partialFlushed(this.path, line.offset);
          this.emit([line]);
          return 'data';
        }
      }
      return 'eof';
    }
    const want = Math.min(this.ctx.readBufferBytes, st.size - this.readOffset);
    const buf = Buffer.allocUnsafe(want);
    const n = fs.readSync(this.fd, buf, 0, want, this.readOffset);
    if (n === 0) return 'eof';
    const chunkStart = this.readOffset;
    this.readOffset += n;
    this.lastGrowth = this.ctx.now();
    this.ctx.journal.noteChunk(this.entry.identity, chunkStart, this.readOffset, this.lastGrowth);
    if (this.entry.fpLen < FP_MAX && this.readOffset > this.entry.fpLen) {
      const len = Math.min(FP_MAX, this.readOffset);
      this.entry.fp = fingerprint(readPrefix(this.fd, len));
      this.entry.fpLen = len;
    }
    this.emit(this.framer.push(buf.subarray(0, n)));
    return 'data';
  }

  private emit(lines: FramedLine[]) {
    if (lines.length === 0) return;
    const { host, metrics, batcher, journal, parseJson } = this.ctx;
    const src = { type: 'file' as const, name: this.path, identity: this.entry.identity, path: this.path };
    const marks = this.marks;
    let bytes = 0;
    for (const line of lines) {
      bytes += line.bytes + (line.partial ? 0 : 1);
      if (line.truncated) metrics.lineTruncated(this.path, line.offset, line.bytes - this.ctx.maxLineBytes);
      if (line.invalidUtf8) metrics.lineInvalidUtf8(this.path, line.offset);
      const ev = buildEvent(host, src, line, journal.timeFor(src.identity, line.offset), parseJson);
      const ticket = marks.add(line.end);
      batcher.add({ key: host, value: encodeBounded(ev), onAck: () => marks.ack(ticket) });
    }
    metrics.linesReadBulk('file', lines.length, bytes);
  }

  /** Truncated in place: what is there now is new data, read from 0 under a new identity. */
  private truncated(newSize: number) {
    // A held partial line belonged to the old content; send it rather than lose it.
    const rest = this.framer.flushPartial();
    if (rest) this.emit([rest]);
    this.onRetire({ identity: this.entry.identity, fp: this.entry.fp, fpLen: this.entry.fpLen, offset: this.readOffset, firstSeen: this.entry.firstSeen });
    this.ctx.metrics.fileRotated('truncated', this.path, { old_offset: this.readOffset, new_size: newSize });
    const generation = this.entry.generation + 1;
    const firstSeen = this.ctx.now();
    this.entry = {
      ...this.entry,
      identity: newIdentity(this.entry.dev, this.entry.ino, generation, firstSeen),
      generation,
      firstSeen,
      offset: 0,
      fp: fingerprint(Buffer.alloc(0)),
      fpLen: 0,
    };
    this.readOffset = 0;
    this.framer = createLineFramer({ startOffset: 0, maxLineBytes: this.ctx.maxLineBytes });
    this.marks = createAckWatermark(0);
  }

  /** The checkpoint record as it should be written now. */
  checkpoint(): FileCheckpoint {
    this.entry.offset = this.marks.watermark;
    this.entry.path = this.path;
    this.entry.updated = this.ctx.now();
    return this.entry;
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}
