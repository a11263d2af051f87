// Symbolic links in watched directories: a directory link is neither walked nor watched (chokidar follows links
// by default), and a file swapped for a link (or another file) between the walk's stat and the open is refused.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createAgentMetrics } from '../../agent/metrics.js';
import { createBatcher } from '../../agent/pipeline/batcher.js';
import { walkMatches, watchBases } from '../../agent/sources/files/discovery.js';
import { createPathMatcher } from '../../agent/sources/files/glob.js';
import { FileOpener } from '../../agent/sources/files/opener.js';
import type { TailerContext } from '../../agent/sources/files/tailer.js';
import type { TimeJournal } from '../../agent/state/time-journal.js';

let dir: string;
beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'logship-links-')));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const silent = pino({ level: 'silent' });

/** A tree of `n` directories with a log file each, outside the watched directory (as /etc would be). */
function outsideTree(n: number): string {
  const root = path.join(dir, 'outside');
  for (let i = 0; i < n; i++) {
    fs.mkdirSync(path.join(root, `d${i}`, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(root, `d${i}`, 'sub', 'secret.log'), 'secret\n');
  }
  return root;
}

/** inotify watches this process holds (Linux), or undefined where /proc does not tell. */
function inotifyWatches(): number | undefined {
  try {
    let n = 0;
    for (const fd of fs.readdirSync('/proc/self/fdinfo')) {
      try {
        n += fs
          .readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('inotify wd:')).length;
      } catch {
        /* closed meanwhile */
      }
    }
    return n;
  } catch {
    return undefined;
  }
}

async function watched(followSymlinks: boolean, base: string) {
  const before = inotifyWatches();
  const w = watchBases(createPathMatcher([`${base}/**/*.log`], []), { followSymlinks }, () => undefined);
  await new Promise<void>((r) => w.on('ready', () => r()));
  const dirs = Object.keys(w.getWatched());
  const after = inotifyWatches();
  await w.close();
  return { dirs, added: before === undefined || after === undefined ? undefined : after - before };
}

function opener(followSymlinks: boolean) {
  const metrics = createAgentMetrics(silent);
  const o = new FileOpener({ log: silent, metrics, now: Date.now, markDirty: () => undefined, followSymlinks });
  const journal: TimeJournal = { timeFor: () => 0, noteChunk: () => true, compact() {}, failure: undefined, close() {} };
  const batcher = createBatcher({ maxEvents: 10, maxBytes: 1 << 20, lingerMs: 0, maxInflightBytes: 1 << 20, send: async () => {} });
  const ctx: TailerContext = {
    host: 'h',
    maxLineBytes: 1024,
    readBufferBytes: 4096,
    partialFlushMs: 0,
    parseJson: false,
    batcher,
    metrics,
    journal,
    now: Date.now,
  };
  const open = (p: string, st: fs.Stats) => o.open(p, st, { cp: undefined, live: [], fromEnd: false, ctx });
  const refused = async (reason: string) =>
    (await metrics.registry.getSingleMetric('logship_agent_open_refused_total')!.get()).values.find((v) => v.labels.reason === reason)
      ?.value ?? 0;
  return { open, refused };
}

describe('symbolic links', () => {
  it('a directory link in a watched tree is neither walked nor watched (unless follow_symlinks)', async () => {
    const logs = path.join(dir, 'logs');
    fs.mkdirSync(path.join(logs, 'app'), { recursive: true });
    fs.writeFileSync(path.join(logs, 'app', 'a.log'), 'a\n');
    const outside = outsideTree(30);
    const plain = await watched(false, logs);
    fs.symlinkSync(outside, path.join(logs, 'etc'));

    const found = walkMatches(createPathMatcher([`${logs}/**/*.log`], []), { followSymlinks: false }).map((f) => f.path);
    expect(found).toEqual([path.join(logs, 'app', 'a.log')]);

    const off = await watched(false, logs);
    expect(off.dirs.filter((d) => d.startsWith(path.join(logs, 'etc')) || d.startsWith(outside))).toEqual([]);
    const on = await watched(true, logs);
    expect(on.dirs.filter((d) => d.startsWith(path.join(logs, 'etc')) || d.startsWith(outside)).length).toBeGreaterThan(30);
    if (plain.added !== undefined && off.added !== undefined && on.added !== undefined) {
      // The link adds at most a watch of its own, not one per directory behind it.
      expect(off.added).toBeLessThanOrEqual(plain.added + 1);
      expect(on.added).toBeGreaterThan(plain.added + 30);
    }
  });

  it('a file replaced by a link to another file between the stat and the open is refused (O_NOFOLLOW)', async () => {
    const secret = path.join(dir, 'shadow');
    fs.writeFileSync(secret, 'root:secret-hash\n');
    const p = path.join(dir, 'app.log');
    fs.writeFileSync(p, 'a line\n');
    const o = opener(false);
    const stale = fs.lstatSync(p); // what the walk matched
    fs.rmSync(p);
    fs.symlinkSync(secret, p); // swapped in before the open
    expect(o.open(p, stale)).toBeUndefined();
    expect(await o.refused('link')).toBe(1);
    // Even with the stat of the link's target (a walk that followed it), the link is not opened.
    expect(o.open(p, fs.statSync(p))).toBeUndefined();
    expect(await o.refused('link')).toBe(2);
  });

  it('a file replaced by another file between the stat and the open is refused (dev+ino differ)', async () => {
    const p = path.join(dir, 'app.log');
    fs.writeFileSync(p, 'a line\n');
    const other = path.join(dir, 'other');
    fs.writeFileSync(other, 'another file\n');
    for (const follow of [false, true]) {
      const o = opener(follow);
      const stale = fs.lstatSync(p);
      const tmp = path.join(dir, 'tmp.log');
      fs.copyFileSync(other, tmp);
      fs.renameSync(tmp, p);
      expect(o.open(p, stale), `follow_symlinks ${follow}`).toBeUndefined();
      expect(await o.refused('swapped')).toBe(1);
      const fresh = o.open(p, fs.lstatSync(p));
      expect(fresh?.why).toBe('new'); // what is there now opens on the next scan
      fresh?.tailer.close();
    }
  });

  it('with follow_symlinks, a link swapped in is followed only if it leads to the file that was matched', async () => {
    const target = path.join(dir, 'target.log');
    fs.writeFileSync(target, 'target line\n');
    const p = path.join(dir, 'app.log');
    fs.writeFileSync(p, 'a line\n');
    const o = opener(true);
    const stale = fs.statSync(p);
    fs.rmSync(p);
    fs.symlinkSync(target, p);
    expect(o.open(p, stale)).toBeUndefined();
    expect(await o.refused('swapped')).toBe(1);
    const opened = o.open(p, fs.statSync(p)); // the link as matched by a walk that follows links
    expect(opened).toBeDefined();
    opened?.tailer.close();
  });
});
