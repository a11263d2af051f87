// When checkpoints are written: now, soon (unless a write failed less than a second ago), periodically; a failed
// write keeps the last good file and the failure streak; the journal is compacted to what was written.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FULL_CHECK_EVERY_MS, createCheckpointer } from '../../agent/state/checkpointer.js';
import { checkpointPath, parseCheckpoints, type CheckpointState } from '../../agent/state/checkpoint-store.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logship-checkpointer-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
  fs.rmSync(dir, { recursive: true, force: true });
});

const entry = (identity: string, offset: number) => ({
  identity,
  dev: 1,
  ino: 2,
  path: '/var/log/a.log',
  offset,
  fp: 'f',
  fpLen: 0,
  generation: 0,
  firstSeen: 1,
  updated: 1,
});

function setup(dataDir = path.join(dir, 'state')) {
  let clock = 10_000;
  let offset = 0;
  const events: string[] = [];
  const compacted: Array<Map<string, number>> = [];
  const previous: CheckpointState[] = [];
  const cp = createCheckpointer({
    dataDir,
    now: () => clock,
    metrics: {
      checkpointWritten: () => void events.push('written'),
      checkpointFailed: (_e, n) => void events.push(`failed ${n}`),
      checkpointCorrupt: (reason) => void events.push(`corrupt: ${reason}`),
      stateWriteRecovered: (file, n) => void events.push(`recovered ${file} ${n}`),
    },
    snapshot: (prev) => {
      previous.push(prev);
      return { files: { k: entry('id-a', offset) }, streams: {} };
    },
    compact: (keep) => void compacted.push(keep),
  });
  return {
    cp,
    events,
    compacted,
    previous,
    dataDir,
    tick: (ms: number) => (clock += ms),
    setOffset: (n: number) => (offset = n),
    onDisk: () => parseCheckpoints(fs.readFileSync(checkpointPath(dataDir), 'utf8')),
  };
}

/** Periodic writes on fake interval timers, after the first one (the loaded state differs from the snapshot). */
function startedWithFirstWrite() {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  const s = setup();
  s.cp.load();
  s.cp.start();
  vi.advanceTimersByTime(1000);
  expect(s.events).toEqual(['written']);
  return s;
}

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

describe('checkpointer', () => {
  it('loads (creating the state directory), writes, and compacts the journal to the offsets written', () => {
    const s = setup();
    expect(s.cp.load()).toEqual({ state: { files: {}, streams: {} }, corrupt: false });
    expect(fs.existsSync(s.dataDir)).toBe(true);
    s.setOffset(42);
    s.cp.now();
    expect(s.onDisk()).toMatchObject({ state: { files: { k: { identity: 'id-a', offset: 42 } } } });
    expect(s.cp.state.files.k.offset).toBe(42);
    expect(s.compacted).toEqual([new Map([['id-a', 42]])]);
    const written = s.cp.state;
    s.cp.now();
    expect(s.previous[1]).toBe(written); // each snapshot is built from the state last written
    expect(s.events).toEqual(['written', 'written']);
  });

  it('a corrupt file is reported and moved aside', () => {
    const s = setup();
    fs.mkdirSync(s.dataDir);
    fs.writeFileSync(checkpointPath(s.dataDir), '{"version":1,');
    expect(s.cp.load().corrupt).toBe(true);
    expect(s.events[0]).toMatch(/^corrupt: not JSON/);
  });

  it('after a failed write, soon() waits for the next period; the streak ends with a good write', () => {
    const s = setup();
    s.cp.load();
    s.cp.now();
    const real = fs.writeSync.bind(fs) as (fd: number, b: Buffer) => number;
    let full = true;
    vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, b: Buffer) => {
      if (full) throw enospc();
      return real(fd, b);
    }) as never);
    s.setOffset(7);
    s.cp.markDirty();
    s.cp.now();
    expect(s.cp.failure).toMatch(/ENOSPC/);
    expect(s.cp.dirty).toBe(true); // the decision still has to reach the disk
    expect(s.onDisk()).toMatchObject({ state: { files: { k: { offset: 0 } } } }); // the last good one
    const snapshots = s.previous.length;
    s.tick(999);
    s.cp.soon();
    expect(s.previous).toHaveLength(snapshots); // not even tried
    s.tick(1);
    s.cp.soon();
    expect(s.events.slice(1)).toEqual(['failed 1', 'failed 2']);
    full = false;
    s.cp.now();
    expect(s.events.slice(3)).toEqual(['written', 'recovered checkpoints 2']);
    expect(s.cp.failure).toBeUndefined();
    expect(s.cp.dirty).toBe(false);
    expect(s.onDisk()).toMatchObject({ state: { files: { k: { offset: 7 } } } });
    s.cp.soon(); // no failure: at once
    expect(s.events.at(-1)).toBe('written');
  });

  it('counts successful writes only: a state changed before the count passed n is on disk once it has', () => {
    const s = setup();
    s.cp.load();
    expect(s.cp.written).toBe(0);
    s.cp.now();
    expect(s.cp.written).toBe(1);
    vi.spyOn(fs, 'writeSync').mockImplementation(() => {
      throw enospc();
    });
    s.cp.now();
    expect(s.cp.written).toBe(1);
    vi.restoreAllMocks();
    s.cp.now();
    expect(s.cp.written).toBe(2);
  });

  it('writes every second between start() and stop() when the state changed, and nothing when it did not', async () => {
    const s = startedWithFirstWrite();
    vi.advanceTimersByTime(3000); // the same state: no write, no fsync
    expect(s.events).toEqual(['written']);
    s.setOffset(10);
    s.cp.touch(); // an acknowledgement: compared at the next period
    vi.advanceTimersByTime(1000);
    expect(s.events).toEqual(['written', 'written']);
    s.cp.markDirty(); // a decision to persist is written even when the state text is the same
    vi.advanceTimersByTime(1000);
    expect(s.events).toEqual(['written', 'written', 'written']);
    s.setOffset(20);
    s.cp.stop();
    vi.advanceTimersByTime(3000);
    expect(s.events).toEqual(['written', 'written', 'written']);
    s.cp.now(); // an explicit write is never skipped
    s.cp.now();
    expect(s.events).toHaveLength(5);
  });

  it('without an acknowledgement or a decision, the state is built and compared only every FULL_CHECK_EVERY_MS', () => {
    const s = startedWithFirstWrite();
    const built = s.previous.length;
    s.setOffset(5); // changed some other way (no touch): not even built for a while
    for (let t = 1000; t < FULL_CHECK_EVERY_MS; t += 1000) {
      s.tick(1000);
      vi.advanceTimersByTime(1000);
    }
    expect(s.previous).toHaveLength(built);
    expect(s.events).toEqual(['written']);
    s.tick(1000);
    vi.advanceTimersByTime(1000); // the safety net: compared, changed, written
    expect(s.events).toEqual(['written', 'written']);
    expect(s.onDisk()).toMatchObject({ state: { files: { k: { offset: 5 } } } });
    s.cp.stop();
  });
});
