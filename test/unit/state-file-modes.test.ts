// The state directory holds what was read and log lines themselves: its files are 0600 and its directories 0700,
// and a temp file is never written through whatever a crash (or someone else) left at its name.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCheckpointer } from '../../agent/state/checkpointer.js';
import { checkpointPath, parseCheckpoints, writeCheckpoints } from '../../agent/state/checkpoint-store.js';
import { openTimeJournal } from '../../agent/state/time-journal.js';
import { Spool } from '../../agent/sources/streams/spool.js';

// Whatever the umask (usually 022, which lets a default 0666 file through as 0644), the modes asked for are these.
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logship-modes-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const mode = (p: string) => fs.lstatSync(p).mode & 0o777;
const state = { files: {}, streams: { 'stdin:-': { identity: 'abc', seq: 3 } } };

describe('state file modes', () => {
  it('the data directory is created 0700 and the checkpoint file 0600', () => {
    const dataDir = path.join(dir, 'a', 'state');
    const cp = createCheckpointer({
      dataDir,
      now: Date.now,
      metrics: { checkpointWritten() {}, checkpointFailed() {}, checkpointCorrupt() {}, stateWriteRecovered() {} },
      snapshot: () => state,
      compact() {},
    });
    cp.load();
    cp.now();
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(path.join(dir, 'a'))).toBe(0o700);
    expect(mode(checkpointPath(dataDir))).toBe(0o600);
  });

  it('a leftover checkpoint temp file, or a link planted at its name, is replaced, never written through', () => {
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'precious\n', { mode: 0o644 });
    const tmp = `${checkpointPath(dir)}.tmp`;
    fs.symlinkSync(victim, tmp);
    writeCheckpoints(dir, state);
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(fs.existsSync(tmp)).toBe(false);
    expect(parseCheckpoints(fs.readFileSync(checkpointPath(dir), 'utf8'))).toEqual({ state: { ...state, retired: [] } });
    expect(mode(checkpointPath(dir))).toBe(0o600);

    fs.writeFileSync(tmp, 'half a checkpoint from a crash', { mode: 0o644 });
    writeCheckpoints(dir, state);
    expect(mode(checkpointPath(dir))).toBe(0o600);
    expect(fs.existsSync(tmp)).toBe(false);
  });

  it('read-times.log is 0600 (an older 0644 one is tightened), and so is the file its compaction writes', () => {
    const file = path.join(dir, 'read-times.log');
    fs.writeFileSync(file, 'id0 0 10 5\n', { mode: 0o644 });
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'precious\n');
    fs.symlinkSync(victim, `${file}.tmp`);
    const j = openTimeJournal(dir);
    expect(mode(file)).toBe(0o600);
    for (let i = 0; i < 1000; i++) j.noteChunk('id1', i * 10, (i + 1) * 10, 10_000 + i);
    j.compact(new Map([['id1', 9995]]));
    expect(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(1); // compacted
    expect(mode(file)).toBe(0o600);
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious\n');
    j.close();
    fs.rmSync(file);
    openTimeJournal(dir).close();
    expect(mode(file)).toBe(0o600);
  });

  it('spool directories are 0700 and spool segments 0600', () => {
    const spoolDir = path.join(dir, 'state', 'spool', 'stdin-abc');
    const s = new Spool(spoolDir, 1 << 20);
    s.load(0);
    s.append({ seq: 0, time: 1, message: 'a password someone typed' });
    s.close();
    expect(mode(spoolDir)).toBe(0o700);
    expect(mode(path.join(dir, 'state', 'spool'))).toBe(0o700);
    const segs = fs.readdirSync(spoolDir);
    expect(segs).toHaveLength(1);
    expect(mode(path.join(spoolDir, segs[0]))).toBe(0o600);
  });
});
