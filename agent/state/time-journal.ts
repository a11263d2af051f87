// Read times of file lines, kept so a line re-read after a crash gets the @timestamp it had the first time
// (the timestamp picks the daily index, and a different index would make a second document).
// A mark (identity, offset, time) is appended before the lines of a newly read chunk are handed to the producer;
// a line takes the time of the last mark at or below its offset. The append is a plain write: it survives a
// process crash (kill -9). Power loss between the write and the next checkpoint fsync can lose marks; the line
// then gets a new read time. Compacted when checkpoints are written.
// A mark that cannot be written (disk full) is reported, not thrown: noteChunk answers false, the caller leaves
// the chunk unread and asks again later (at most once per retryMs), so no line leaves without its mark. A write
// cut short is cut off again (ftruncate), so the file never holds half a mark followed by whole ones.
import fs from 'node:fs';
import path from 'node:path';
import { EXCLUSIVE_CREATE } from './private-files.js';

export interface TimeJournal {
  /** The time for a line at `offset` read now; records a mark when the chunk starting at chunkStart is new. */
  timeFor(identity: string, offset: number): number;
  /**
   * Records the read time of a chunk before its lines are handed over. False when the mark could not be written
   * (disk full, or still waiting to retry after such a failure): the caller must not hand over the chunk's lines.
   */
  noteChunk(identity: string, chunkStart: number, chunkEnd: number, now: number): boolean;
  /** Drop marks below each identity's checkpoint (keeping the one that covers it). */
  compact(keep: Map<string, number>): void;
  /** Why marks cannot be written now; undefined when they can. */
  readonly failure: string | undefined;
  close(): void;
}

export interface TimeJournalOptions {
  /** After a failed write, how long noteChunk answers false before it tries again. */
  retryMs?: number;
  now?: () => number;
  /** A write failed (`what`, and the error itself); `consecutive` counts the failures since the last success. */
  onWriteFailed?: (what: string, consecutive: number, op: 'append' | 'compact', err: unknown) => void;
  /** Marks can be written again after `failures` failed attempts. */
  onRecovered?: (failures: number) => void;
}

interface Marks {
  offsets: number[];
  times: number[];
  high: number;
}

/** Ends a torn mark that could not be cut off: with a fifth field the loader skips that line. */
const TORN_END = ' torn\n';

export function openTimeJournal(dataDir: string, opts: TimeJournalOptions = {}): TimeJournal {
  const file = path.join(dataDir, 'read-times.log');
  const clock = opts.now ?? Date.now;
  const retryMs = opts.retryMs ?? 1000;
  const marks = new Map<string, Marks>();
  let size = loadMarks(file, marks);
  let fd = openJournal(file);
  let torn = false;
  let appended = 0;
  let failure: string | undefined;
  let failures = 0;
  let retryAt = 0;

  function failed(op: 'append' | 'compact', err: unknown) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    failures++;
    retryAt = clock() + retryMs;
    const what = op === 'append' ? `cannot append to ${file}: ${code}` : `cannot compact ${file}: ${code}`;
    if (op === 'append') failure = what;
    opts.onWriteFailed?.(what, failures, op, err);
  }

  function succeeded() {
    if (failures === 0) return;
    const n = failures;
    failures = 0;
    failure = undefined;
    opts.onRecovered?.(n);
  }

  /** Appends whole or not at all: a short write (the disk filled up mid-write) is cut off again. */
  function append(text: string): boolean {
    const buf = Buffer.from((torn ? TORN_END : '') + text);
    let n = 0;
    try {
      n = fs.writeSync(fd, buf);
      if (n === buf.length) {
        size += n;
        torn = false;
        return true;
      }
      throw Object.assign(new Error(`short write (${n} of ${buf.length} bytes)`), { code: 'ENOSPC' });
    } catch (err) {
      if (n > 0 || torn) {
        try {
          fs.ftruncateSync(fd, size);
          torn = false;
        } catch {
          torn = true; // the next append first ends the torn line so that it is skipped on load
        }
      }
      failed('append', err);
      return false;
    }
  }

  function lookup(m: Marks, offset: number): number | undefined {
    // Last mark with offset <= line offset (marks are appended in offset order per identity).
    let lo = 0;
    let hi = m.offsets.length - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (m.offsets[mid] <= offset) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans >= 0 ? m.times[ans] : undefined;
  }

  return {
    timeFor(identity, offset) {
      const m = marks.get(identity);
      if (!m) return clock();
      return (offset < m.high ? lookup(m, offset) : undefined) ?? m.times[m.times.length - 1] ?? clock();
    },
    noteChunk(identity, chunkStart, chunkEnd, now) {
      const m = marks.get(identity) ?? { offsets: [], times: [], high: 0 };
      if (chunkEnd <= m.high) return true; // re-reading known territory: times already recorded
      if (failure !== undefined && clock() < retryAt) return false;
      const start = Math.max(chunkStart, m.high);
      if (!append(`${identity} ${start} ${chunkEnd} ${now}\n`)) return false;
      succeeded();
      // In memory only once on disk: a mark that was not written must not count as recorded.
      marks.set(identity, m);
      m.offsets.push(start);
      m.times.push(now);
      m.high = chunkEnd;
      appended++;
      return true;
    },
    compact(keep) {
      if (appended < 1000) return;
      let out = '';
      for (const [id, m] of marks) {
        const cp = keep.get(id);
        if (cp === undefined) {
          marks.delete(id);
          continue;
        }
        let first = 0;
        while (first + 1 < m.offsets.length && m.offsets[first + 1] <= cp) first++;
        m.offsets = m.offsets.slice(first);
        m.times = m.times.slice(first);
        for (let i = 0; i < m.offsets.length; i++)
          out += `${id} ${m.offsets[i]} ${i + 1 < m.offsets.length ? m.offsets[i + 1] : m.high} ${m.times[i]}\n`;
      }
      const tmp = `${file}.tmp`;
      try {
        fs.rmSync(tmp, { force: true }); // left by a crash (or planted): never written through
        fs.writeFileSync(tmp, out, EXCLUSIVE_CREATE);
        fs.renameSync(tmp, file);
      } catch (err) {
        // The old file stays: it holds every mark kept in memory, and more. A half-written temp file would
        // only take space that appends need.
        fs.rmSync(tmp, { force: true });
        failed('compact', err);
        return;
      }
      fs.closeSync(fd);
      fd = openJournal(file);
      size = Buffer.byteLength(out);
      torn = false;
      appended = 0;
    },
    get failure() {
      return failure;
    },
    close() {
      fs.closeSync(fd);
    },
  };
}

/** For appending, owner only; a journal left 0644 by an older version is tightened (best effort: it may not be ours). */
function openJournal(file: string): number {
  const fd = fs.openSync(file, 'a', 0o600);
  try {
    fs.fchmodSync(fd, 0o600);
  } catch {
    /* not ours to change; compaction replaces it with a 0600 file */
  }
  return fd;
}

/** Reads the marks of an existing journal into `marks`; returns the length of its whole lines. */
function loadMarks(file: string, marks: Map<string, Marks>): number {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return 0; // no journal yet
  }
  const whole = bytes.lastIndexOf(0x0a) + 1;
  // A torn last line (crash mid-write) has no newline: cut it off so that the next append starts a line of its
  // own. Its fields may be cut short, so it never counts.
  if (whole < bytes.length) fs.truncateSync(file, whole);
  for (const line of bytes.subarray(0, whole).toString('utf8').split('\n')) {
    const f = line.split(' ');
    const [a, b, t] = [Number(f[1]), Number(f[2]), Number(f[3])];
    if (f.length !== 4 || !f[0] || !Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(t)) continue; // torn or damaged
    const id = f[0];
    const m = marks.get(id) ?? { offsets: [], times: [], high: 0 };
    m.offsets.push(a);
    m.times.push(t);
    m.high = Math.max(m.high, b);
    marks.set(id, m);
  }
  return whole;
}
