// The scan loop: walks the globs (on a timer and on file system events), opens files it has not seen, notices
// files renamed or deleted under a tailer, and lets a tailer go once its file is gone from its path, read to the
// end, idle for close_inactive_ms and fully acknowledged. The first scan also settles which checkpoint entries
// belong to no file found.
import fs from 'node:fs';
import type { FSWatcher } from 'chokidar';
import type { AgentMetrics } from '../../metrics.js';
import type { Checkpointer } from '../../state/checkpointer.js';
import { walkMatches, watchBases } from './discovery.js';
import { createPathMatcher } from './glob.js';
import { fileKey } from './identity.js';
import type { FileOpener } from './opener.js';
import type { FileTailer, TailerContext } from './tailer.js';

/** Symbolic links reported once each, up to this many (a directory of links must not grow memory). */
const MAX_LINKS_LOGGED = 10_000;

export interface ScannerOptions {
  files: { include: string[]; exclude: string[]; follow_symlinks: boolean };
  closeInactiveMs: number;
  scanIntervalMs: number;
  /** read_from: end, for files found by the first scan (false after a corrupt checkpoint). */
  readFromEnd: boolean;
  /** The open files, by fileKey; the scanner adds and removes them. */
  tailers: Map<string, FileTailer>;
  opener: FileOpener;
  checkpointer: Pick<Checkpointer, 'state' | 'dirty' | 'markDirty' | 'soon' | 'now'>;
  ctx: () => TailerContext;
  metrics: Pick<AgentMetrics, 'fileOpened' | 'fileRotated' | 'fileClosed' | 'openFailed' | 'scanFailed' | 'symlinkSkipped'>;
  now: () => number;
  /** After each scan: read what it found. */
  scanned: () => void;
}

export interface Scanner {
  /** The first scan, then watching and periodic scans until stop(). Throws if the first scan does. */
  start(): void;
  stop(): Promise<void>;
}

export function createScanner(o: ScannerOptions): Scanner {
  const { tailers, opener, checkpointer, metrics } = o;
  const matcher = createPathMatcher(o.files.include, o.files.exclude);
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let firstScan = true;
  const linksLogged = new Set<string>();

  function skippedLink(p: string) {
    if (linksLogged.has(p) || linksLogged.size > MAX_LINKS_LOGGED) return;
    linksLogged.add(p);
    metrics.symlinkSkipped(p);
  }

  const known = (st: fs.Stats) => tailers.has(fileKey(st)) || checkpointer.state.files[fileKey(st)] !== undefined;

  function openFile(p: string, st: fs.Stats) {
    const key = fileKey(st);
    const opened = opener.open(p, st, {
      cp: checkpointer.state.files[key],
      live: tailers.values(),
      fromEnd: firstScan && o.readFromEnd,
      ctx: o.ctx(),
    });
    if (!opened) return;
    const { tailer: t, why } = opened;
    tailers.set(key, t);
    // A new file's identity and first bytes go to disk at once: should we crash before the periodic
    // checkpoint, a copy of it (copytruncate) can still be recognised on restart.
    if (why !== 'checkpoint') checkpointer.markDirty();
    if (checkpointer.dirty && !firstScan) checkpointer.soon();
    metrics.fileOpened(p, t.entry.offset, t.entry.identity, why);
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

  function scan() {
    // Files we know (open or checkpointed) first: a truncation found while opening them retires a generation
    // that a copy among the new files may continue.
    const found = walkMatches(matcher, { followSymlinks: o.files.follow_symlinks, onLink: skippedLink }).sort(
      (x, y) => Number(!known(x.stat)) - Number(!known(y.stat)),
    );
    const seen = new Set<string>();
    for (const f of found) {
      const key = fileKey(f.stat);
      seen.add(key);
      const t = tailers.get(key);
      if (t) {
        if (t.path !== f.path) {
          metrics.fileRotated('renamed', t.path, { to: f.path });
          t.path = f.path;
        }
        t.atPath = true;
        t.goneAt = 0;
        continue;
      }
      try {
        openFile(f.path, f.stat);
      } catch (err) {
        metrics.openFailed(f.path, err, 'error');
      }
    }
    for (const [key, t] of tailers) if (!seen.has(key)) notFound(key, t);
    if (firstScan) {
      firstScan = false;
      // Entries of files not found are kept for a while (a walk can race a rotation), then dropped.
      opener.notFound(Object.keys(checkpointer.state.files).filter((key) => !tailers.has(key)));
      if (checkpointer.dirty) checkpointer.now();
    }
    o.scanned();
  }

  return {
    start() {
      scan();
      if (o.files.include.length > 0) watcher = watchBases(matcher, { followSymlinks: o.files.follow_symlinks }, () => scan());
      timer = setInterval(() => {
        try {
          scan();
        } catch (err) {
          metrics.scanFailed(err);
        }
      }, o.scanIntervalMs);
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await watcher?.close();
      watcher = undefined;
    },
  };
}
