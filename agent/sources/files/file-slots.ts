// Which files hold a descriptor when more match than agent.max_open_files (as Filebeat's harvester_limit). Files
// that need one queue in the order they were found, and while files wait, open files that are read to their end,
// acknowledged and idle give theirs up. A file closed that way keeps its checkpoint entry here and is queued again
// when it changes; the opener then checks its identity as after a restart (same inode and first bytes: on from
// the checkpoint; anything else: a new file). Pure bookkeeping: the scanner does the I/O.
import type { Stats } from 'node:fs';
import type { FileCheckpoint } from '../../state/checkpoint-store.js';

/** How long an open file must not have grown before it gives its slot to a waiting file. */
export const IDLE_MS = 1000;

/** A known file without a descriptor: its checkpoint entry, and its size and mtime when it was closed. */
export interface Parked {
  entry: FileCheckpoint;
  /** Unknown for a checkpoint entry loaded at start and not opened yet: it counts as changed. */
  size?: number;
  mtimeMs?: number;
}

export interface Waiting {
  /** Found by the first scan: read_from end applies when it has no checkpoint. */
  fromEnd: boolean;
  /** Where and what it was when last found (a slot freed between scans is given with it; the opener checks). */
  found?: { path: string; stat: Stats };
}

/** What the slot decision needs of an open file. */
export interface SlotHolder {
  readonly closed: boolean;
  readonly atPath: boolean;
  readonly acked: number;
  readonly pendingAcks: number;
  readonly inactiveMs: number;
  /** Bytes of the file (as last read) past the acknowledged offset. */
  readonly bytesBehind: number;
}

export class FileSlots {
  /** Known files without a descriptor, by fileKey. */
  readonly parked = new Map<string, Parked>();
  /** Waiting for a slot, in the order they get one: a file that shrank (truncated: a copytruncate copy among the
   * waiting files must find its generation retired), then the others in the order they were found. */
  private first = new Map<string, Waiting>();
  private queue = new Map<string, Waiting>();
  /** Parked entries by the fingerprint of their first bytes (by length): a new file that starts like one. */
  private byPrefix = new Map<number, Map<string, string>>();

  constructor(readonly max: number) {}

  get waiting(): number {
    return this.first.size + this.queue.size;
  }

  park(key: string, entry: FileCheckpoint, st?: { size: number; mtimeMs: number }) {
    this.unpark(key);
    this.parked.set(key, { entry, size: st?.size, mtimeMs: st?.mtimeMs });
    if (entry.fpLen === 0) return;
    const m = this.byPrefix.get(entry.fpLen) ?? this.byPrefix.set(entry.fpLen, new Map()).get(entry.fpLen)!;
    m.set(entry.fp, key);
  }

  unpark(key: string) {
    const p = this.parked.get(key);
    if (!p) return;
    this.parked.delete(key);
    const m = this.byPrefix.get(p.entry.fpLen);
    if (m?.get(p.entry.fp) === key) m.delete(p.entry.fp);
    if (m?.size === 0) this.byPrefix.delete(p.entry.fpLen);
  }

  /** A parked file that may have new content: another size or mtime than when it was closed. */
  changed(key: string, st: { size: number; mtimeMs: number }): boolean {
    const p = this.parked.get(key);
    return p !== undefined && (p.size !== st.size || p.mtimeMs !== st.mtimeMs);
  }

  /** Queue for a slot (a file already waiting keeps its place, unless `urgent` moves it to the front). */
  want(key: string, w: Waiting, urgent = false) {
    if (urgent && !this.first.has(key)) this.queue.delete(key);
    const q = urgent || this.first.has(key) ? this.first : this.queue;
    // Set again, it keeps its place; the newest of what was found is kept, fromEnd of the first time.
    const had = q.get(key);
    q.set(key, had ? { fromEnd: had.fromEnd, found: w.found ?? had.found } : w);
  }

  /** The waiting files in the order they get slots. */
  order(): Array<[string, Waiting]> {
    return [...this.first, ...this.queue];
  }

  /** Leaves the queue (opened, or to be queued again by the next scan). */
  done(key: string) {
    this.first.delete(key);
    this.queue.delete(key);
  }

  /** After a scan: waiting files not found leave the queue; parked ones are returned and forgotten here. */
  notFound(seen: { has(key: string): boolean }): string[] {
    for (const key of [...this.first.keys(), ...this.queue.keys()]) if (!seen.has(key)) this.done(key);
    const gone = [...this.parked.keys()].filter((key) => !seen.has(key));
    for (const key of gone) this.unpark(key);
    return gone;
  }

  /** A parked file whose first bytes are those of a new file (fingerprint by length): maybe the new one is its copy. */
  startsLike(prefixFp: (len: number) => string | undefined): string | undefined {
    for (const [len, m] of this.byPrefix) {
      const fp = prefixFp(len);
      const key = fp === undefined ? undefined : m.get(fp);
      if (key !== undefined) return key;
    }
    return undefined;
  }

  /** How many open files must give their slot up for every waiting file to get one (`openCount`: held now). */
  shortfall(openCount: number): number {
    return this.waiting - Math.max(0, this.max - openCount);
  }

  /**
   * An open file that may give its slot up: at its path, read to its end as far as it knows, every line
   * acknowledged, and not grown for IDLE_MS (the caller checks the size once more before closing it). A file that
   * keeps growing keeps its slot.
   */
  idle(t: SlotHolder): boolean {
    return !t.closed && t.atPath && t.pendingAcks === 0 && t.bytesBehind === 0 && t.inactiveMs >= IDLE_MS;
  }
}
