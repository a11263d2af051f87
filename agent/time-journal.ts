// Read times of file lines, kept so a line re-read after a crash gets the @timestamp it had the first time
// (the timestamp picks the daily index, and a different index would make a second document).
// A mark (identity, offset, time) is appended before the lines of a newly read chunk are handed to the producer;
// a line takes the time of the last mark at or below its offset. The append is a plain write: it survives a
// process crash (kill -9). Power loss between the write and the next checkpoint fsync can lose marks; the line
// then gets a new read time. Compacted when checkpoints are written.
import fs from 'node:fs';
import path from 'node:path';

export interface TimeJournal {
  /** The time for a line at `offset` read now; records a mark when the chunk starting at chunkStart is new. */
  timeFor(identity: string, offset: number): number;
  noteChunk(identity: string, chunkStart: number, chunkEnd: number, now: number): void;
  /** Drop marks below each identity's checkpoint (keeping the one that covers it). */
  compact(keep: Map<string, number>): void;
  close(): void;
}

interface Marks { offsets: number[]; times: number[]; high: number }

export function openTimeJournal(dataDir: string): TimeJournal {
  const file = path.join(dataDir, 'read-times.log');
  const marks = new Map<string, Marks>();
  let torn = false;
  try {
    const text = fs.readFileSync(file, 'utf8');
    // A torn last line has no newline: the next append must not be glued onto it.
    torn = text.length > 0 && !text.endsWith('\n');
    const lines = text.split('\n');
    lines.pop(); // empty, or a torn write whose fields may be cut short: only whole lines count
    for (const line of lines) {
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
  } catch {
    /* no journal yet */
  }
  let fd = fs.openSync(file, 'a');
  if (torn) fs.writeSync(fd, '\n');
  let appended = 0;

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
      if (!m) return Date.now();
      return (offset < m.high ? lookup(m, offset) : undefined) ?? m.times[m.times.length - 1] ?? Date.now();
    },
    noteChunk(identity, chunkStart, chunkEnd, now) {
      let m = marks.get(identity);
      if (!m) {
        m = { offsets: [], times: [], high: 0 };
        marks.set(identity, m);
      }
      if (chunkEnd <= m.high) return; // re-reading known territory: times already recorded
      const start = Math.max(chunkStart, m.high);
      m.offsets.push(start);
      m.times.push(now);
      m.high = chunkEnd;
      fs.writeSync(fd, `${identity} ${start} ${chunkEnd} ${now}\n`);
      appended++;
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
        for (let i = 0; i < m.offsets.length; i++) out += `${id} ${m.offsets[i]} ${i + 1 < m.offsets.length ? m.offsets[i + 1] : m.high} ${m.times[i]}\n`;
      }
      const tmp = `${file}.tmp`;
      fs.writeFileSync(tmp, out);
      fs.renameSync(tmp, file);
      fs.closeSync(fd);
      fd = fs.openSync(file, 'a');
      appended = 0;
    },
    close() {
      fs.closeSync(fd);
    },
  };
}
