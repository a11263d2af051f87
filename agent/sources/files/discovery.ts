// Finds files matching the include globs: chokidar watches each pattern's base directory for quick pickup, and a
// periodic walk is the safety net (missed events, network file systems, directories created later).
import fs from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { PathMatcher } from './glob.js';

export interface FoundFile {
  path: string;
  stat: fs.Stats;
}

const MAX_DEPTH = 16;

/**
 * Files under the globs. A symbolic link is followed only with `followSymlinks`: otherwise it is passed to
 * `onLink` and skipped, so a link placed in a watched directory cannot make the agent read a file outside the
 * globs (/etc/shadow, another tenant's log). Filebeat's default is the same.
 */
export function walkMatches(matcher: PathMatcher, opts: { followSymlinks?: boolean; onLink?: (p: string) => void } = {}): FoundFile[] {
  const out: FoundFile[] = [];
  const seen = new Set<string>();
  const visit = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // missing or unreadable: found again when it appears
    }
    for (const e of entries) {
      const p = dir === '/' ? `/${e.name}` : `${dir}/${e.name}`;
      if (e.isDirectory()) {
        if (depth < MAX_DEPTH && matcher.recursive) visit(p, depth + 1);
      } else if (e.isSymbolicLink() && !opts.followSymlinks) {
        if (matcher.matches(p)) opts.onLink?.(p);
      } else if ((e.isFile() || e.isSymbolicLink()) && matcher.matches(p) && !seen.has(p)) {
        try {
          // lstat unless links are followed: a link swapped in since readdir is not a file (the opener then
          // refuses one swapped in after this, with O_NOFOLLOW and a dev+ino check).
          const st = opts.followSymlinks ? fs.statSync(p) : fs.lstatSync(p);
          if (st.isFile()) {
            seen.add(p);
            out.push({ path: p, stat: st });
          }
        } catch {
          /* vanished between readdir and stat */
        }
      }
    }
  };
  for (const b of matcher.bases) visit(path.resolve(b).replace(/\\/g, '/'), 0);
  return out;
}

/**
 * Watches the globs' base directories. Links inside them are not followed unless `followSymlinks` (chokidar
 * follows them by default: a link to /etc in a watched tree added a watch for every directory under /etc). The
 * bases themselves are configured, so a base that is a link is resolved first.
 */
export function watchBases(matcher: PathMatcher, opts: { followSymlinks: boolean }, onChange: (file: string) => void): FSWatcher {
  const bases = matcher.bases.map((b) => {
    try {
      return fs.realpathSync(b);
    } catch {
      return b; // not there yet: watched when it appears (chokidar), found by the periodic walk meanwhile
    }
  });
  const w = watch(bases, {
    ignoreInitial: true,
    depth: matcher.recursive ? MAX_DEPTH : 0,
    persistent: true,
    usePolling: false,
    followSymlinks: opts.followSymlinks,
  });
  w.on('add', onChange).on('change', onChange).on('unlink', onChange);
  w.on('error', () => undefined); // the periodic scan covers what a failed watch misses
  return w;
}
