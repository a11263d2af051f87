// The on-disk spool of a stream (stdin, a wrapped command's stdout/stderr). A stream cannot be re-read, so each
// line is appended here before it is handed to the producer, and leaves only when Kafka acknowledged it (whole
// segments below the acknowledged sequence number are deleted). A restarted agent sends what is left.
// Records are JSON lines {s: seq, t: read time ms, m: message, f: flags}; JSON escaping keeps one record per line.
// A torn last record (crash mid-write) is ignored: it was never handed to the producer.
import fs from 'node:fs';
import path from 'node:path';
import { LogshipError } from '../../../common/errors.js';

export interface SpoolRecord {
  seq: number;
  time: number;
  message: string;
  truncated?: boolean;
  invalidUtf8?: boolean;
  exitCode?: number | null;
  signal?: string | null;
}

interface Segment {
  file: string;
  first: number;
  last: number;
  bytes: number;
}

export class Spool {
  private segments: Segment[] = [];
  private fd: number | undefined;
  private total = 0;
  private readonly segmentBytes: number;

  constructor(
    private dir: string,
    readonly maxBytes: number,
  ) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 }); // lines of a stream can hold anything: owner only
    // Space comes back a whole segment at a time, so a segment is a fraction of the limit.
    this.segmentBytes = Math.max(16 * 1024, Math.min(8 * 1024 * 1024, Math.floor(maxBytes / 4)));
  }

  /** Loads existing segments; returns the records at or above `fromSeq` (not yet acknowledged). */
  load(fromSeq: number): SpoolRecord[] {
    const out: SpoolRecord[] = [];
    const files = fs
      .readdirSync(this.dir)
      .filter((f) => /^seg-\d+\.jsonl$/.test(f))
      .sort();
    for (const f of files) {
      const file = path.join(this.dir, f);
      const text = fs.readFileSync(file, 'utf8');
      let first = -1;
      let last = -1;
      let good = 0;
      for (const line of text.split('\n')) {
        if (!line) continue;
        let r: { s: number; t: number; m: string; f?: number; x?: number | null; g?: string | null };
        try {
          r = JSON.parse(line) as typeof r;
        } catch {
          break; // torn tail
        }
        good += Buffer.byteLength(line) + 1;
        if (first < 0) first = r.s;
        last = r.s;
        if (r.s >= fromSeq) {
          out.push({
            seq: r.s,
            time: r.t,
            message: r.m,
            truncated: ((r.f ?? 0) & 1) !== 0 || undefined,
            invalidUtf8: ((r.f ?? 0) & 2) !== 0 || undefined,
            exitCode: r.x,
            signal: r.g,
          });
        }
      }
      if (good < Buffer.byteLength(text)) fs.truncateSync(file, good); // drop the torn tail so appends stay parseable
      if (first < 0 || last < fromSeq) {
        fs.rmSync(file, { force: true });
        continue;
      }
      this.segments.push({ file, first, last, bytes: good });
      this.total += good;
    }
    return out;
  }

  get bytes(): number {
    return this.total;
  }

  get full(): boolean {
    return this.total >= this.maxBytes;
  }

  append(r: SpoolRecord): void {
    const flags = (r.truncated ? 1 : 0) | (r.invalidUtf8 ? 2 : 0);
    const line =
      JSON.stringify({
        s: r.seq,
        t: r.time,
        m: r.message,
        ...(flags ? { f: flags } : {}),
        ...(r.exitCode !== undefined ? { x: r.exitCode, g: r.signal ?? null } : {}),
      }) + '\n';
    let seg = this.segments[this.segments.length - 1];
    if (!seg || this.fd === undefined || seg.bytes >= this.segmentBytes) {
      if (this.fd !== undefined) fs.closeSync(this.fd);
      const file = path.join(this.dir, `seg-${String(r.seq).padStart(16, '0')}.jsonl`);
      this.fd = fs.openSync(file, 'a', 0o600);
      seg = { file, first: r.seq, last: r.seq, bytes: fs.fstatSync(this.fd).size };
      this.segments.push(seg);
    }
    const buf = Buffer.from(line);
    let n = 0;
    try {
      n = fs.writeSync(this.fd, buf);
      if (n < buf.length) throw Object.assign(new Error(`short write (${n} of ${buf.length} bytes)`), { code: 'ENOSPC' });
    } catch (err) {
      // Whole records only: a record cut short (disk full mid-write) would end what load() reads of this segment.
      if (n > 0) {
        try {
          fs.ftruncateSync(this.fd, seg.bytes);
        } catch {
          // Left torn: start the next record in a new segment, so the torn one stays a segment's torn tail (or,
          // alone in its segment, goes with it: the retry would reopen the same file name).
          fs.closeSync(this.fd);
          this.fd = undefined;
          if (seg.bytes === 0) {
            fs.rmSync(seg.file, { force: true });
            this.segments.pop();
          }
        }
      }
      throw new LogshipError(
        'LOGSHIP_ERR_SPOOL',
        `cannot append to ${seg.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        { retriable: true, cause: err },
      );
    }
    seg.last = r.seq;
    seg.bytes += n;
    this.total += n;
  }

  /** Everything below `seq` is acknowledged: delete whole segments that hold nothing else. */
  release(seq: number): void {
    while (this.segments.length > 0) {
      const s = this.segments[0];
      const isCurrent = this.segments.length === 1;
      if (s.last >= seq) break;
      if (isCurrent && this.fd !== undefined) {
        fs.closeSync(this.fd);
        this.fd = undefined;
      }
      fs.rmSync(s.file, { force: true });
      this.total -= s.bytes;
      this.segments.shift();
    }
  }

  sync(): void {
    if (this.fd !== undefined) fs.fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
