// The scan loop: walks the globs (on a timer and, coalesced, on file system events), opens files it has not seen
// as slots allow (agent.max_open_files, file-slots.ts), notices files renamed or deleted under a tailer, and lets
// a tailer go once its file is gone from its path, read to the end, idle for close_inactive_ms and fully
// acknowledged. The first scan also settles which checkpoint entries belong to no file found. Checkpoint writes
// a scan needs come once, at its end: each write is the whole file, and one per new file is quadratic.
import fs from 'node:fs';
import type { FSWatcher } from 'chokidar';
import type { AgentMetrics } from '../../metrics.js';
import type { Checkpointer } from '../../state/checkpointer.js';
import { walkMatches, watchBases, type FoundFile } from './discovery.js';
import type { FileSlots } from './file-slots.js';
import { createPathMatcher, type PathMatcher } from './glob.js';
import { fileKey } from './identity.js';
import type { FileOpener } from './opener.js';
import type { FileTailer, TailerContext } from './tailer.js';

/** Symbolic links reported once each, up to this many (a directory of links must not grow memory). */
const MAX_LINKS_LOGGED = 10_000;
/** File system events within this long make one scan (10,000 files created at once are 10,000 events). */
const EVENT_SCAN_DELAY_MS = 20;
/** The next scan starts no sooner than this many times the last one's duration after it ended (at most ~20% busy). */
const SCAN_PACE = 4;
/**
 * Periodic scans that found nothing new space out, doubling from scan_interval_ms up to this many times it (1 s
 * -> 8 s by default): file-system events still scan at once, and any change found brings the interval back. A
 * walk of 200 idle files every second (an lstat each) was most of an idle agent's CPU after the polls.
 */
const QUIET_SCAN_MAX_FACTOR = 8;

export interface ScannerOptions {
  files: { include: string[]; exclude: string[]; follow_symlinks: boolean };
  /** Which paths to tail (every source's globs); default: files.include and files.exclude. */
  matcher?: PathMatcher;
  closeInactiveMs: number;
  scanIntervalMs: number;
  /** read_from: end, for files found by the first scan (false after a corrupt checkpoint); per path with sources. */
  readFromEnd: boolean | ((path: string) => boolean);
  /** The open files, by fileKey; the scanner adds and removes them. */
  tailers: Map<string, FileTailer>;
  /** Files waiting for a descriptor, and known files closed while idle. */
  slots: FileSlots;
  opener: FileOpener;
  checkpointer: Pick<Checkpointer, 'state' | 'dirty' | 'markDirty' | 'soon' | 'now'>;
  /** The context of a file's tailer: its source's, by path. */
  ctx: (path: string) => TailerContext;
  metrics: Pick<
    AgentMetrics,
    'fileOpened' | 'fileReopened' | 'fileRotated' | 'fileClosed' | 'fileIdleClosed' | 'openFailed' | 'scanFailed' | 'symlinkSkipped'
  >;
  now: () => number;
  /** After each scan: read what it found. `fromEvent`: a file-system event (or the first scan) asked for it. */
  scanned: (fromEvent: boolean) => void;
}

export interface Scanner {
  /** The first scan, then watching and periodic scans until stop(). Throws if the first scan does. */
  start(): void;
  /** Between scans (after a read round): idle files give their slots to waiting files. True when it opened any. */
  rebalance(): boolean;
  stop(): Promise<void>;
}

export function createScanner(o: ScannerOptions): Scanner {
  const { tailers, slots, opener, checkpointer, metrics } = o;
  const matcher = o.matcher ?? createPathMatcher(o.files.include, o.files.exclude);
  const readFromEnd = (p: string) => (typeof o.readFromEnd === 'function' ? o.readFromEnd(p) : o.readFromEnd);
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let eventScan: NodeJS.Timeout | undefined;
  let firstScan = true;
  const linksLogged = new Set<string>();

  function skippedLink(p: string) {
    if (linksLogged.has(p) || linksLogged.size > MAX_LINKS_LOGGED) return;
    linksLogged.add(p);
    metrics.symlinkSkipped(p);
  }

  const known = (key: string) => tailers.has(key) || slots.parked.has(key) || checkpointer.state.files[key] !== undefined;

  /** A known file closed while idle that a new file starts like: reopened, so that its truncation is seen. */
  function startsLikeParked(prefixFp: (len: number) => string | undefined): string | undefined {
    const key = slots.startsLike(prefixFp);
    if (key === undefined) return undefined;
    slots.want(key, { fromEnd: false }, true);
    return slots.parked.get(key)?.entry.path;
  }

  function openFile(p: string, st: fs.Stats, fromEnd: boolean): boolean {
    const key = fileKey(st);
    const parked = slots.parked.get(key);
    const opened = opener.open(p, st, {
      cp: parked?.entry ?? checkpointer.state.files[key],
      live: tailers.values(),
      fromEnd,
      ctx: o.ctx(p),
      startsLikeParked,
    });
    if (!opened) return false;
    const { tailer: t, why } = opened;
    slots.unpark(key);
    tailers.set(key, t);
    // A new file's identity and first bytes go to disk before any of its lines leave: should we crash before the
    // periodic checkpoint, a copy of it (copytruncate) can still be recognised on restart. Written once at the end
    // of this scan or read round; the tailer holds its lines until a write after this point succeeded.
    if (why !== 'checkpoint') {
      checkpointer.markDirty();
      t.awaitCheckpoint();
    }
    if (parked?.size !== undefined && why === 'checkpoint') metrics.fileReopened(p, t.entry.offset);
    else metrics.fileOpened(p, t.entry.offset, t.entry.identity, why);
    return true;
  }

  const openCount = () => {
    let n = 0;
    for (const t of tailers.values()) if (!t.closed) n++;
    return n;
  };

  /** The file at a tailer's path now, if it is still that file (a scan's stat, or a fresh one). */
  function statOf(key: string, t: FileTailer, seen?: Map<string, FoundFile>): fs.Stats | undefined {
    if (seen) return seen.get(key)?.stat;
    try {
      const st = o.files.follow_symlinks ? fs.statSync(t.path) : fs.lstatSync(t.path);
      return fileKey(st) === key ? st : undefined;
    } catch {
      return undefined;
    }
  }

  /** While files wait for a slot, idle open files give theirs up (their checkpoint entries are kept). */
  function makeRoom(seen?: Map<string, FoundFile>) {
    let need = slots.shortfall(openCount());
    if (need <= 0) return;
    const idle = [...tailers].filter(([, t]) => slots.idle(t)).sort(([, a], [, b]) => b.inactiveMs - a.inactiveMs);
    for (const [key, t] of idle) {
      if (need <= 0) break;
      const st = statOf(key, t, seen);
      if (!st || st.size !== t.acked) continue; // grew since it was read: keeps its slot
      const entry = { ...t.checkpoint() }; // while the descriptor is open: the bytes before the offset are read
      t.close();
      tailers.delete(key);
      slots.park(key, entry, st);
      metrics.fileIdleClosed(t.path, entry.offset);
      need--;
    }
  }

  /** Waiting files get the free slots, in queue order (between scans, with what the last scan found of them). */
  function fill(seen?: Map<string, FoundFile>): number {
    let open = openCount();
    let opened = 0;
    for (const [key, w] of slots.order()) {
      if (open >= slots.max) break;
      const f = seen ? seen.get(key) : w.found;
      if (!f) continue; // woken (a new file starts like it) and not found since: the next scan has it
      slots.done(key); // opened, or queued again by the next scan (at the back: round-robin)
      if (tailers.has(key)) continue;
      try {
        if (openFile(f.path, f.stat, w.fromEnd)) {
          open++;
          opened++;
        }
      } catch (err) {
        metrics.openFailed(f.path, err, 'error');
      }
    }
    return opened;
  }

  /** A tailer whose file was not found: renamed or deleted; closed once read to the end, idle and acknowledged. */
  function notFound(key: string, t: FileTailer) {
    if (t.atPath) {
      t.atPath = false;
      t.goneAt = o.now();
      metrics.fileRotated(fs.existsSync(t.path) ? 'renamed' : 'deleted', t.path);
    }
    // Let go only once read to the end, idle, and every line acknowledged.
    if (!t.closed && t.inactiveMs >= o.closeInactiveMs && t.readOnce() === 'eof') {
      metrics.fileClosed(t.path, t.acked, 'no longer at its path, read to the end');
      t.close();
    }
    if (t.closed && t.pendingAcks === 0) tailers.delete(key);
  }

  /** Periodic scans in a row that found nothing new. */
  let quietScans = 0;

  /** Whether it found anything new: a file, a rename, a change of a parked file, a file gone. */
  function scan(fromEvent = true): boolean {
    let changed = false;
    // Files we know (open, closed while idle, or checkpointed) first: a truncation found while opening them
    // retires a generation that a copy among the new files may continue.
    const found = walkMatches(matcher, { followSymlinks: o.files.follow_symlinks, onLink: skippedLink })
      .map((f) => ({ f, key: fileKey(f.stat) }))
      .map((x) => ({ ...x, known: known(x.key) }))
      .sort((x, y) => Number(!x.known) - Number(!y.known));
    const seen = new Map<string, FoundFile>();
    for (const { f, key } of found) {
      const fromEnd = firstScan && readFromEnd(f.path);
      seen.set(key, f);
      const t = tailers.get(key);
      if (t) {
        if (t.path !== f.path) {
          changed = true;
          metrics.fileRotated('renamed', t.path, { to: f.path });
          t.path = f.path;
        }
        t.atPath = true;
        t.goneAt = 0;
        continue;
      }
      const parked = slots.parked.get(key);
      if (parked) {
        parked.entry.path = f.path;
        // Shrunk: truncated (copytruncate), and its copy may be among the waiting files.
        if (slots.changed(key, f.stat)) {
          changed = true;
          slots.want(key, { fromEnd, found: f }, f.stat.size < parked.entry.offset);
        }
        continue;
      }
      // A checkpointed file that has to wait for a slot at start keeps its entry meanwhile.
      const cp = firstScan ? checkpointer.state.files[key] : undefined;
      if (cp) slots.park(key, { ...cp });
      changed = true;
      slots.want(key, { fromEnd, found: f });
    }
    for (const [key, t] of tailers)
      if (!seen.has(key)) {
        changed = true;
        notFound(key, t);
      }
    // Known files closed while idle and not found now: kept for a while like checkpoint entries not found at start.
    const gone = slots.notFound(seen);
    if (gone.length > 0) changed = true;
    makeRoom(seen);
    fill(seen);
    if (firstScan) {
      firstScan = false;
      // Entries of files not found are kept for a while (a walk can race a rotation), then dropped.
      opener.notFound(Object.keys(checkpointer.state.files).filter((key) => !tailers.has(key) && !slots.parked.has(key)));
      if (checkpointer.dirty) checkpointer.now();
    } else {
      opener.notFound(gone);
      if (checkpointer.dirty) checkpointer.soon();
    }
    o.scanned(fromEvent);
    return changed;
  }

  let lastScanMs = 0;
  const guardedScan = (fromEvent: boolean) => {
    const started = o.now();
    try {
      quietScans = scan(fromEvent) || fromEvent ? 0 : quietScans + 1;
    } catch (err) {
      quietScans = 0;
      metrics.scanFailed(err);
    }
    lastScanMs = o.now() - started;
  };
  /** A walk of 10,000 files takes a while: the next one waits SCAN_PACE times as long, so scans stay a fraction. */
  const after = (ms: number) => Math.max(ms, lastScanMs * SCAN_PACE);
  let running = false;
  const periodic = () => {
    timer = setTimeout(
      () => {
        guardedScan(false);
        if (running) periodic();
      },
      after(o.scanIntervalMs * Math.min(QUIET_SCAN_MAX_FACTOR, 2 ** quietScans)),
    );
  };

  return {
    rebalance() {
      if (slots.waiting === 0 || firstScan) return false;
      makeRoom();
      return fill() > 0;
    },
    start() {
      scan();
      if (matcher.bases.length > 0)
        watcher = watchBases(matcher, { followSymlinks: o.files.follow_symlinks }, () => {
          eventScan ??= setTimeout(() => {
            eventScan = undefined;
            guardedScan(true);
          }, after(EVENT_SCAN_DELAY_MS));
        });
      running = true;
      periodic();
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      clearTimeout(eventScan);
      timer = undefined;
      eventScan = undefined;
      await watcher?.close();
      watcher = undefined;
    },
  };
}
