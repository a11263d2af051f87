// What a file found under the globs is, and where reading it starts: the continuation of its checkpoint, a new
// generation (truncated or replaced while we were stopped), a copytruncate copy that continues a retired
// generation's ids, or a new file. Owns what that decision needs to remember across scans and restarts:
// retired generations, files waiting to be recognised as copies, and checkpoint entries of files not found yet.
// docs/DESIGN.md "File identity" explains the choices.
import fs from 'node:fs';
import type { Logger } from '../../../common/logger.js';
import type { AgentMetrics } from '../../metrics.js';
import type { FileCheckpoint, RetiredGeneration } from '../../state/checkpoint-store.js';
import { FP_MAX, fileKey, fingerprint, headOf, identityFor, prefixFingerprints, readPrefix, sameFile } from './identity.js';
import { isCopyOf } from './copy-detect.js';
import { FileTailer, type TailerContext } from './tailer.js';

const MAX_RETIRED = 64;
/** How long a new file that starts like a file being read waits for that file to be truncated (copytruncate). */
const COPY_WAIT_MS = 30_000;
/** Retired generations, and checkpoint entries of files not found since the start, older than this are forgotten. */
const FORGET_AFTER_MS = 3_600_000;
const MAX_ORPHANS = 10_000;

type Entry = FileCheckpoint & { birth?: number };

export interface OpenerDeps {
  log: Logger;
  metrics: AgentMetrics;
  now: () => number;
  /** A decision that must reach the checkpoint file before more work is done (a retirement, a copy found). */
  markDirty: () => void;
  /** agent.files.follow_symlinks: off, a file is opened with O_NOFOLLOW (a link swapped in after the walk is refused). */
  followSymlinks?: boolean;
}

/** O_NOFOLLOW where the platform has it (not on Windows, where the dev+ino comparison still applies). */
const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

export interface OpenOptions {
  /** The file's checkpoint entry, if any. */
  cp: Entry | undefined;
  /** Files being read: a new file that starts like one of them may be its copy. */
  live: Iterable<FileTailer>;
  /** read_from: end applies (first scan, no corrupt checkpoint). */
  fromEnd: boolean;
  ctx: TailerContext;
  /** A known file closed while idle that a new file starts like (by first-bytes fingerprint): its path. It is
   * reopened, so that a truncation of it (copytruncate) is noticed while the new file waits. */
  startsLikeParked?: (prefixFp: (len: number) => string | undefined) => string | undefined;
}

export class FileOpener {
  private retired: RetiredGeneration[] = [];
  /** New files that start like a file being read, and since when: maybe a copy whose source is about to be truncated. */
  private deferred = new Map<string, number>();
  /** Checkpoint entries loaded at start whose file has not been opened yet, and since when. A walk that races a
   * rotation (logrotate renaming app.log.N -> .N+1) can miss a file; dropping its entry would make it new when the
   * next scan finds it, and a copytruncate copy read as new gets ids of its own: duplicate documents. */
  private orphans = new Map<string, number>();

  constructor(private deps: OpenerDeps) {}

  /** Retired generations from the checkpoint file (they must survive a restart: a copy may be found after it). */
  load(retired: RetiredGeneration[]) {
    const now = this.deps.now();
    this.retired = retired.filter((r) => now - r.retiredAt < FORGET_AFTER_MS).slice(-MAX_RETIRED);
  }

  /** What goes to the checkpoint file. */
  get retiredGenerations(): RetiredGeneration[] {
    return this.retired;
  }

  /** A generation was truncated: a copy found later (now or after a restart) continues its ids. */
  retire = (r: RetiredGeneration) => {
    const now = this.deps.now();
    this.retired = this.retired.filter((x) => now - x.retiredAt < FORGET_AFTER_MS && x.identity !== r.identity);
    this.retired.push(r);
    if (this.retired.length > MAX_RETIRED) this.retired = this.retired.slice(-MAX_RETIRED);
    // On disk at once: a crash before the next periodic checkpoint must not forget it.
    this.deps.markDirty();
  };

  /** After the first scan: entries of files it did not find are kept for a while (see `orphans`). */
  notFound(keys: Iterable<string>) {
    for (const k of keys) this.orphans.set(k, this.deps.now());
  }

  /** Adds the kept entries of files not found yet to `files` (the checkpoint being written), dropping old ones. */
  carryOrphans(files: Record<string, FileCheckpoint>, previous: Record<string, FileCheckpoint>) {
    for (const [key, since] of this.orphans) {
      if (files[key] || !previous[key] || this.deps.now() - since > FORGET_AFTER_MS || this.orphans.size > MAX_ORPHANS)
        this.orphans.delete(key);
      else files[key] = previous[key];
    }
  }

  /**
   * Opens `p` and decides where reading starts. Undefined when it cannot be opened, was replaced between stat
   * and open, or waits to be recognised as a copy: the next scan tries again.
   */
  open(p: string, st: fs.Stats, o: OpenOptions): { tailer: FileTailer; why: string } | undefined {
    const { metrics, now } = this.deps;
    const key = fileKey(st);
    let fd: number;
    try {
      // The path was matched (and lstat'ed) a moment ago; a symbolic link put there since must not be followed,
      // or a link to /etc/shadow swapped in at the right moment would be read and shipped.
      fd = fs.openSync(p, fs.constants.O_RDONLY | (this.deps.followSymlinks ? 0 : NOFOLLOW));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ELOOP') metrics.openRefused('link', p);
      else metrics.openFailed(p, err);
      return undefined;
    }
    const fst = fs.fstatSync(fd);
    if (fileKey(fst) !== key || !fst.isFile()) {
      // Not the file that was matched (a rotation racing the open, or a swap): the next scan sees what is there now.
      fs.closeSync(fd);
      metrics.openRefused('swapped', p);
      return undefined;
    }
    const cp = o.cp;
    this.orphans.delete(key);
    let entry: Entry;
    let why: string;
    if (cp && sameFile(cp, fd, fst)) {
      entry = { ...cp, path: p };
      why = 'checkpoint';
      if (fst.size < entry.offset) {
        // Truncated while we were not running: what is there now is new. If it was copytruncate, the copy
        // continues the old generation from the checkpoint (found by its first and last bytes).
        metrics.fileRotated('truncated', p, { old_offset: entry.offset, new_size: fst.size });
        this.retireCheckpoint(cp);
        entry = {
          ...entry,
          identity: '',
          generation: entry.generation + 1,
          firstSeen: now(),
          offset: 0,
          fp: fingerprint(Buffer.alloc(0)),
          fpLen: 0,
        };
        why = 'truncated while stopped';
      }
    } else {
      if (cp) {
        metrics.fileRotated('replaced', p, {
          reason: 'different content at this inode (reused, or truncated and rewritten while stopped)',
        });
        // Its old content may live on in a copy (copytruncate while we were stopped): let a copy continue it.
        this.retireCheckpoint(cp);
      }
      const fresh = this.openNew(p, key, fd, fst, o);
      if (!fresh) return undefined;
      ({ entry, why } = fresh);
    }
    return { tailer: new FileTailer(p, fd, entry, o.ctx, this.retire), why };
  }

  private retireCheckpoint(cp: Entry) {
    if (cp.tailFp === undefined) return;
    this.retire({
      identity: cp.identity,
      fp: cp.fp,
      fpLen: cp.fpLen,
      offset: cp.offset,
      resumeAt: cp.offset,
      tailFp: cp.tailFp,
      tailLen: cp.tailLen ?? 0,
      firstSeen: cp.firstSeen,
      retiredAt: this.deps.now(),
    });
  }

  /** A file with no usable checkpoint: a copy of a retired generation, a possible copy to wait for, or new. */
  private openNew(p: string, key: string, fd: number, fst: fs.Stats, o: OpenOptions): { entry: Entry; why: string } | undefined {
    const { log, metrics, now } = this.deps;
    // A copy made by copytruncate continues the generation it copies (same ids for the same bytes).
    const copyOf = this.retired.find((r) => isCopyOf(r, fd, fst.size));
    if (!copyOf && !this.deferred.has(key)) {
      // Same first bytes as a file we are reading: maybe a copy whose source is about to be truncated. Wait a
      // little before deciding; opening it as new now could send its lines twice under another id. (The first
      // bytes are compared from one read first: a thousand open files must not mean a thousand reads each.)
      const prefixFp = prefixFingerprints(fd, fst.size);
      const like =
        [...o.live].find((t) => t.entry.fpLen > 0 && prefixFp(t.entry.fpLen) === t.entry.fp && t.looksCopiedInto(fd, fst.size))?.path ??
        o.startsLikeParked?.(prefixFp);
      if (like) {
        this.deferred.set(key, now());
        fs.closeSync(fd);
        log.info({ path: p, like }, 'new file starts like a file being read: waiting to see whether it is a copytruncate copy');
        return undefined;
      }
    }
    if (!copyOf && this.deferred.has(key) && now() - this.deferred.get(key)! < COPY_WAIT_MS) {
      fs.closeSync(fd);
      return undefined;
    }
    this.deferred.delete(key);
    const firstSeen = now();
    const startAt = copyOf ? (copyOf.resumeAt ?? copyOf.offset) : o.fromEnd ? fst.size : 0;
    const fpLen = Math.min(FP_MAX, startAt);
    const entry: Entry = {
      // From the first line as it is read, not as it is now: the file may be rewritten before we read it.
      identity: copyOf ? copyOf.identity : startAt > 0 ? headIdentity(fd, fst) : '',
      dev: fst.dev,
      ino: fst.ino,
      path: p,
      offset: startAt,
      fp: fingerprint(readPrefix(fd, fpLen)),
      fpLen,
      generation: 0,
      firstSeen: copyOf ? copyOf.firstSeen : firstSeen,
      updated: firstSeen,
      birth: fst.birthtimeMs || undefined,
    };
    if (copyOf) {
      this.retired = this.retired.filter((r) => r !== copyOf);
      this.deps.markDirty();
      metrics.fileRotated('renamed', p, { copy_of_identity: copyOf.identity, resume_at: copyOf.resumeAt ?? copyOf.offset });
      return { entry, why: 'copy of a truncated file' };
    }
    // Read-from-end must land on a line boundary: back up to just after the last newline.
    if (startAt > 0) entry.offset = lastLineStart(fd, startAt);
    return { entry, why: startAt > 0 ? 'new, read_from end' : 'new' };
  }
}

function headIdentity(fd: number, st: fs.Stats): string {
  const head = headOf(fd, false);
  return head ? identityFor(st.dev, st.ino, st.birthtimeMs || 0, head, 0) : '';
}

/** Offset just past the last newline before `end` (0 when none): where read_from=end starts. */
function lastLineStart(fd: number, end: number): number {
  const step = 4096;
  let pos = end;
  const buf = Buffer.alloc(step);
  while (pos > 0) {
    const from = Math.max(0, pos - step);
    const n = fs.readSync(fd, buf, 0, pos - from, from);
    const i = buf.subarray(0, n).lastIndexOf(0x0a);
    if (i !== -1) return from + i + 1;
    pos = from;
  }
  return 0;
}
