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
          const st = fs.statSync(p);
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

export function watchBases(matcher: PathMatcher, onChange: (file: string) => void): FSWatcher {
  const w = watch(matcher.bases, {
    ignoreInitial: true,
    depth: matcher.recursive ? MAX_DEPTH : 0,
    persistent: true,
    usePolling: false,
  });
  w.on('add', onChange).on('change', onChange).on('unlink', onChange);
  w.on('error', () => undefined); // the periodic scan covers what a failed watch misses
  return w;
}
