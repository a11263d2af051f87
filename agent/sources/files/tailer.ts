// One open file: reads new bytes at its position, frames lines, hands events to the batcher, and tracks the
// acknowledged watermark that becomes its checkpoint. Detects truncation in place (size below position).
import fs from 'node:fs';
import type { FileCheckpoint, RetiredGeneration } from '../../state/checkpoint-store.js';
import { createEventEncoder, type EventEncoder } from '../../pipeline/event-encoder.js';
import { looksCopied, samePrefix } from './copy-detect.js';
import { FP_MAX, fingerprint, fingerprintBefore, growFingerprint, headOf, headOfChunk, identityFor } from './identity.js';
import { createAckWatermark, type AckWatermark } from '../../pipeline/ack-watermark.js';
import { IdentityGate } from './identity-gate.js';
import { createLineFramer, type FramedLine, type LineFramer } from '../../pipeline/line-framer.js';
import type { JoinedLine, Multiline } from '../../pipeline/multiline.js';
import { sendLines } from './send-lines.js';
import type { ContainerJoiner, ContainerSource } from '../../container-logs.js';

export type { TailerContext } from './tailer-context.js';
import type { TailerContext } from './tailer-context.js';

/** `stalled`: the agent's state directory cannot be written (read-time journal), nothing was read. */
export type ReadResult = 'data' | 'eof' | 'blocked' | 'stalled' | 'closed';

export class FileTailer {
  path: string;
  entry: FileCheckpoint & { birth?: number };
  /** Still found at a matching path in the last scan. */
  atPath = true;
  /** When it was first found gone from its path: a writer may still append through its open descriptor. */
  goneAt = 0;
  closed = false;
  private fd: number;
  private framer: LineFramer;
  private marks: AckWatermark;
  private readOffset: number;
  private lastGrowth: number;
  private size = 0;
  private ml: Multiline | undefined;
  private cs: ContainerSource | undefined;
  private cj: ContainerJoiner | undefined;
  /** The last bytes read (up to FP_MAX), to recognise a copy of this generation after copytruncate. */
  private tail: Buffer = Buffer.alloc(0);
  private onRetire: (r: RetiredGeneration) => void;
  private identitySaved: IdentityGate;
  /** Never throws: a line that cannot be built as usual is sent plain and marked, so it cannot stop this file. */
  private encode: EventEncoder;

  constructor(
    path: string,
    fd: number,
    entry: FileCheckpoint & { birth?: number },
    private ctx: TailerContext,
    onRetire: (r: RetiredGeneration) => void,
  ) {
    this.path = path;
    this.fd = fd;
    this.entry = entry;
    this.readOffset = entry.offset;
    this.framer = createLineFramer({ startOffset: entry.offset, maxLineBytes: ctx.maxLineBytes });
    this.marks = createAckWatermark(entry.offset);
    this.lastGrowth = ctx.now();
    this.onRetire = onRetire;
    this.ml = ctx.multiline?.();
    this.cs = ctx.container?.(path);
    this.cj = this.cs?.joiner();
    this.identitySaved = new IdentityGate(ctx.persist);
    this.encode = createEventEncoder({ host: ctx.host, parseJson: ctx.parseJson, rules: ctx.rules, events: ctx.metrics, now: ctx.now });
  }

  /** Sets the identity once the file has a first line (or `force`: a line is about to be sent). */
  private resolveIdentity(force: boolean, firstChunk?: Buffer): boolean {
    if (this.entry.identity) return true;
    // The head comes from the bytes just read when they start at 0: the file may already have been truncated
    // again, and an empty identity would make every generation's ids collide.
    let head = firstChunk && firstChunk.length > 0 ? headOfChunk(firstChunk, force) : headOf(this.fd, force);
    if (!head && force) head = Buffer.from(`unknown-head:${this.entry.firstSeen}:${this.ctx.now()}`);
    if (!head) return false;
    this.entry.identity = identityFor(this.entry.dev, this.entry.ino, this.entry.birth ?? 0, head, this.entry.generation);
    return true;
  }

  /**
   * A just-decided identity and the first bytes up to `upTo` must reach the checkpoint file before the first line
   * of this generation leaves. If the generation is copied and truncated while we are down (copytruncate), the
   * copy is recognised on restart by these first bytes and continues this identity; without them it would be
   * read from 0 under its own inode's identity: every line a second document. The lines wait (identity-gate.ts).
   */
  private saveIdentity(upTo: number) {
    growFingerprint(this.entry, this.fd, upTo);
    this.identitySaved.request();
  }

  /** A generation new to the checkpoint file (a new file, a copy, read_from end): its lines wait for a write. */
  awaitCheckpoint() {
    this.identitySaved.request();
  }

  /** Offset below which every line is acknowledged: the checkpoint. */
  get acked() {
    return this.marks.watermark;
  }

  get pendingAcks(): number {
    return this.marks.pending;
  }
  get bytesBehind(): number {
    return Math.max(0, this.size - this.marks.watermark);
  }

  /** Time without growth, counted from no earlier than the moment the file left its path. */
  get inactiveMs(): number {
    return this.ctx.now() - Math.max(this.lastGrowth, this.goneAt);
  }

  /** Read one chunk (fairness: the caller round-robins over files). */
  readOnce(): ReadResult {
    if (this.closed) return 'closed';
    // Truncation is noticed even while reading waits for room: a copytruncate copy is waiting on it.
    const st = fs.fstatSync(this.fd);
    const changed = st.size !== this.size;
    this.size = st.size;
    // Truncated and already written past our position again (copytruncate, then a busy writer) shows only as
    // different first bytes: check them whenever the size changed.
    if (st.size < this.readOffset || (changed && !samePrefix(this.fd, this.entry.fp, this.entry.fpLen))) {
      this.truncated(st.size);
      return 'data';
    }
    if (!this.ctx.batcher.hasRoom) return 'blocked';
    if (st.size === this.readOffset) {
      const idle = this.ctx.partialFlushMs > 0 && this.ctx.now() - this.lastGrowth >= this.ctx.partialFlushMs;
      // A line without its last piece (its container exited, or its file was rotated away) goes as far as it got.
      if (this.cj?.pending && (idle || (!this.atPath && this.inactiveMs >= (this.ctx.closeInactiveMs ?? 0)))) {
        this.toMultiline(this.cj.flush());
        return 'data';
      }
      if (this.ml?.pending) {
        const events = this.ml.flush(this.ctx.now());
        if (events.length > 0) {
          this.send(events);
          return 'data';
        }
      }
      if (idle && this.framer.pendingBytes > 0) {
        const had = this.entry.identity !== '';
        if (!this.resolveIdentity(true)) return 'eof';
        if (!had) this.saveIdentity(this.readOffset);
        const saved = this.identitySaved.check();
        if (saved !== true) return saved;
        const line = this.framer.flushPartial();
        if (line) {
          this.ctx.metrics.partialFlushed(this.path, line.offset);
          this.emit([line]);
          return 'data';
        }
      }
      return 'eof';
    }
    // Encoded events are larger than the bytes they come from (JSON, ids): read a quarter of the room left, so
    // what one read adds stays close to max_inflight_bytes.
    const want = Math.min(this.ctx.readBufferBytes, st.size - this.readOffset, Math.max(4096, Math.floor(this.ctx.batcher.room / 4)));
    const buf = Buffer.allocUnsafe(want);
    const n = fs.readSync(this.fd, buf, 0, want, this.readOffset);
    if (n === 0) return 'eof';
    const chunk = buf.subarray(0, n);
    const readAt = this.ctx.now();
    // The read time goes to disk before anything about this chunk changes. If it cannot (disk full), the chunk
    // counts as not read: it is read again on a later call, once the mark can be written.
    const marked = this.markReadTime(chunk, readAt);
    if (marked !== true) return marked;
    this.readOffset += n;
    this.lastGrowth = readAt;
    growFingerprint(this.entry, this.fd, this.readOffset);
    this.tail = n >= FP_MAX ? Buffer.from(chunk.subarray(n - FP_MAX)) : Buffer.concat([this.tail, chunk]).subarray(-FP_MAX);
    this.emit(this.framer.push(chunk));
    return 'data';
  }

  /**
   * Writes the read-time mark of `chunk` (read at this.readOffset) to the journal, once the identity is on disk.
   * Otherwise the chunk counts as not read: 'data' while a checkpoint write is due at the end of this round,
   * 'stalled' when a write failed or the mark could not be written. A mark that could not be written leaves the
   * identity undecided too, so that it is taken from the bytes actually read next time.
   */
  private markReadTime(chunk: Buffer, readAt: number): true | 'data' | 'stalled' {
    const chunkStart = this.readOffset;
    const before = this.entry.identity;
    // A line leaves with this chunk exactly when it holds a newline (the framer emits lines at newlines only).
    if (!this.resolveIdentity(chunk.includes(0x0a), chunkStart === 0 ? chunk : undefined)) return true;
    if (!before) this.saveIdentity(chunkStart + chunk.length);
    const saved = this.identitySaved.check();
    if (saved !== true) return saved;
    if (this.ctx.journal.noteChunk(this.entry.identity, this.framer.pendingOffset, chunkStart + chunk.length, readAt)) return true;
    this.entry.identity = before;
    return 'stalled';
  }

  private emit(lines: FramedLine[]) {
    if (lines.length === 0) return;
    let bytes = 0;
    for (const line of lines) {
      bytes += line.bytes + (line.partial ? 0 : 1);
      if (line.truncated) this.ctx.metrics.lineTruncated(this.path, line.offset, line.bytes - this.ctx.maxLineBytes);
      if (line.invalidUtf8) this.ctx.metrics.lineInvalidUtf8(this.path, line.offset);
    }
    this.ctx.metrics.linesReadBulk('file', lines.length, bytes);
    this.toMultiline(this.cj ? this.cj.push(lines) : lines);
  }

  private toMultiline(lines: FramedLine[]) {
    const ml = this.ml;
    const now = this.ctx.now();
    this.send(ml ? lines.flatMap((l) => ml.push(l, now)) : lines);
  }

  private send(lines: JoinedLine[]) {
    if (lines.length === 0) return;
    const src = {
      type: 'file' as const,
      name: this.ctx.sourceName ?? this.path,
      identity: this.entry.identity,
      path: this.path,
      meta: this.cs?.meta,
    };
    sendLines(this.ctx, src, this.marks, this.encode, lines);
  }

  /** Truncated in place: what is there now is new data, read from 0 under a new identity. */
  private truncated(newSize: number) {
    // A held partial line (and a pending multiline event) belonged to the old content; send them rather than lose them.
    const rest = this.framer.pendingBytes > 0 && this.resolveIdentity(true) ? this.framer.flushPartial() : undefined;
    if (rest) this.emit([rest]);
    if (this.cj) this.toMultiline(this.cj.flush());
    if (this.ml) this.send(this.ml.flush(this.ctx.now(), true));
    this.ml = this.ctx.multiline?.();
    this.cj = this.cs?.joiner();
    this.onRetire({
      identity: this.entry.identity,
      fp: this.entry.fp,
      fpLen: this.entry.fpLen,
      offset: this.readOffset,
      resumeAt: this.marks.watermark,
      tailFp: fingerprint(this.tail),
      tailLen: this.tail.length,
      firstSeen: this.entry.firstSeen,
      retiredAt: this.ctx.now(),
    });
    this.tail = Buffer.alloc(0);
    this.ctx.metrics.fileRotated('truncated', this.path, { old_offset: this.readOffset, new_size: newSize });
    // The identity comes from the new content's first line, once there is one.
    const fresh = { identity: '', tailFp: undefined, tailLen: undefined, offset: 0, fp: fingerprint(Buffer.alloc(0)), fpLen: 0 };
    this.entry = { ...this.entry, ...fresh, generation: this.entry.generation + 1, firstSeen: this.ctx.now() };
    this.readOffset = 0;
    this.framer = createLineFramer({ startOffset: 0, maxLineBytes: this.ctx.maxLineBytes });
    this.marks = createAckWatermark(0);
  }

  /** The checkpoint record as it should be written now. */
  checkpoint(): FileCheckpoint {
    if (this.entry.offset !== this.marks.watermark || this.entry.tailFp === undefined || (this.entry.tailLen ?? 0) > this.marks.watermark) {
      // A closed descriptor cannot be read: only an empty prefix is known then.
      const before = this.closed && this.marks.watermark > 0 ? undefined : fingerprintBefore(this.fd, this.marks.watermark);
      this.entry.tailFp = before?.fp;
      this.entry.tailLen = before?.len;
    }
    if (this.entry.offset !== this.marks.watermark) this.entry.updated = this.ctx.now();
    this.entry.offset = this.marks.watermark;
    this.entry.path = this.path;
    return this.entry;
  }

  /** Is the file at `fd` (size `size`) a copy of what this tailer has read so far? Same first and last bytes. */
  looksCopiedInto(fd: number, size: number): boolean {
    return !this.closed && looksCopied({ fd: this.fd, fp: this.entry.fp, fpLen: this.entry.fpLen }, fd, size);
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}
