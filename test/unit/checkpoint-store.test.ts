import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { checkpointPath, loadCheckpoints, writeCheckpoints, type CheckpointState } from '../../agent/state/checkpoint-store.js';
import { LogshipError } from '../../common/errors.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logship-cp-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function state(): CheckpointState {
  return {
    files: {
      '2049:1234': {
        identity: 'aaa111',
        dev: 2049,
        ino: 1234,
        path: '/var/log/app.log',
        offset: 4096,
        fp: 'f'.repeat(64),
        fpLen: 1024,
        generation: 0,
        firstSeen: 1000,
        updated: 2000,
      },
      '2049:99': {
        identity: 'bbb222',
        dev: 2049,
        ino: 99,
        path: '/var/log/über café.log',
        offset: 0,
        fp: '',
        fpLen: 0,
        generation: 3,
        firstSeen: 1,
        updated: 2,
      },
    },
    streams: { stdin: { identity: 'stream-1', seq: 77 } },
    // A truncated generation whose copy was not found yet: it must survive a restart (kill -9 right after a
    // copytruncate would otherwise read the copy under a new identity).
    retired: [
      {
        identity: 'ccc333',
        fp: 'e'.repeat(64),
        fpLen: 1024,
        offset: 9000,
        resumeAt: 8800,
        tailFp: 'd'.repeat(64),
        tailLen: 1024,
        firstSeen: 5,
        retiredAt: 6,
      },
    ],
  };
}

const empty = { files: {}, streams: {} };
const NOW = () => 1_700_000_000_000;

describe('checkpoint store', () => {
  it('a missing file is an empty state, not corrupt', () => {
    expect(loadCheckpoints(dir)).toEqual({ state: empty });
  });

  it('write then load round-trips exactly', () => {
    writeCheckpoints(dir, state());
    expect(loadCheckpoints(dir)).toEqual({ state: state() });
    expect(fs.readdirSync(dir)).toEqual(['checkpoints.json']);
    expect(fs.statSync(checkpointPath(dir)).mode & 0o777).toBe(0o600);
    const doc = JSON.parse(fs.readFileSync(checkpointPath(dir), 'utf8'));
    expect(doc.version).toBe(1);
    expect(doc.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a later write replaces the earlier one', () => {
    writeCheckpoints(dir, state());
    const s = state();
    s.files['2049:1234'].offset = 8192;
    delete s.files['2049:99'];
    writeCheckpoints(dir, s);
    expect(loadCheckpoints(dir).state).toEqual(s);
  });

  it('a state without streams loads with empty streams', () => {
    const s = state();
    writeCheckpoints(dir, { files: s.files } as CheckpointState);
    expect(loadCheckpoints(dir).state).toEqual({ files: s.files, streams: {}, retired: [] });
  });

  function expectCorrupt(reason: RegExp) {
    const original = fs.readFileSync(checkpointPath(dir));
    const r = loadCheckpoints(dir, NOW);
    expect(r.state).toEqual(empty);
    expect(r.corrupt?.reason).toMatch(reason);
    expect(r.corrupt?.movedTo).toBe(`${checkpointPath(dir)}.corrupt-1700000000000`);
    // Moved aside, byte for byte, and the next load starts clean.
    expect(fs.existsSync(checkpointPath(dir))).toBe(false);
    expect(fs.readFileSync(r.corrupt!.movedTo).equals(original)).toBe(true);
    expect(loadCheckpoints(dir, NOW)).toEqual({ state: empty });
  }

  it('corrupt JSON is detected and moved aside', () => {
    fs.writeFileSync(checkpointPath(dir), '{"version":1, nope');
    expectCorrupt(/^not JSON \(/);
  });

  it('an empty file is detected', () => {
    fs.writeFileSync(checkpointPath(dir), '');
    expectCorrupt(/^not JSON \(/);
  });

  it('a truncated file is detected', () => {
    writeCheckpoints(dir, state());
    const text = fs.readFileSync(checkpointPath(dir), 'utf8');
    fs.writeFileSync(checkpointPath(dir), text.slice(0, Math.floor(text.length / 2)));
    expectCorrupt(/^not JSON \(/);
  });

  it('a checksum mismatch is detected (one offset changed)', () => {
    writeCheckpoints(dir, state());
    const doc = JSON.parse(fs.readFileSync(checkpointPath(dir), 'utf8'));
    doc.state.files['2049:1234'].offset = 999_999;
    fs.writeFileSync(checkpointPath(dir), JSON.stringify(doc));
    expectCorrupt(/^checksum mismatch$/);
  });

  it('an unknown version, a missing state and an invalid entry are detected', () => {
    fs.writeFileSync(checkpointPath(dir), JSON.stringify({ version: 2, sha256: '', state: empty }));
    expectCorrupt(/^unknown version 2$/);
    fs.writeFileSync(checkpointPath(dir), JSON.stringify({ version: 1, sha256: '' }));
    expectCorrupt(/^missing state$/);
    fs.writeFileSync(checkpointPath(dir), 'null');
    expectCorrupt(/^not JSON \(/);
  });

  it('an entry with a negative offset is invalid even with a good checksum', async () => {
    const { createHash } = await import('node:crypto');
    const s = state();
    s.files['2049:1234'].offset = -1;
    fs.writeFileSync(
      checkpointPath(dir),
      JSON.stringify({ version: 1, sha256: createHash('sha256').update(JSON.stringify(s)).digest('hex'), state: s }),
    );
    expectCorrupt(/^invalid entry$/);
  });

  it('a retired generation with a missing field is invalid even with a good checksum', async () => {
    const { createHash } = await import('node:crypto');
    const s = state() as unknown as { retired: Array<Record<string, unknown>> };
    delete s.retired[0].resumeAt;
    fs.writeFileSync(
      checkpointPath(dir),
      JSON.stringify({ version: 1, sha256: createHash('sha256').update(JSON.stringify(s)).digest('hex'), state: s }),
    );
    expectCorrupt(/^invalid retired generation$/);
  });

  it('a leftover .tmp file does not matter for load or write', () => {
    writeCheckpoints(dir, state());
    fs.writeFileSync(`${checkpointPath(dir)}.tmp`, 'half-written garbage');
    expect(loadCheckpoints(dir)).toEqual({ state: state() });
    const s = state();
    s.streams.stdin.seq = 78;
    writeCheckpoints(dir, s);
    expect(loadCheckpoints(dir)).toEqual({ state: s });
    expect(fs.existsSync(`${checkpointPath(dir)}.tmp`)).toBe(false);
  });

  it('a failed write is a retriable LOGSHIP_ERR_CHECKPOINT_WRITE and leaves no temp file', () => {
    const missing = path.join(dir, 'no-such-dir');
    let err: unknown;
    try {
      writeCheckpoints(missing, state());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LogshipError);
    expect((err as LogshipError).code).toBe('LOGSHIP_ERR_CHECKPOINT_WRITE');
    expect((err as LogshipError).retriable).toBe(true);
    expect((err as Error).message).toBe(`cannot write ${checkpointPath(missing)}: ENOENT`);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a write cut short (disk full mid-write) fails and leaves the last good file whole', () => {
    writeCheckpoints(dir, state());
    const before = fs.readFileSync(checkpointPath(dir));
    const real = fs.writeSync.bind(fs) as (fd: number, b: Buffer) => number;
    const spy = vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, b: Buffer) => real(fd, b.subarray(0, 100))) as never);
    const s = state();
    s.files['2049:1234'].offset = 8192;
    expect(() => writeCheckpoints(dir, s)).toThrow(`cannot write ${checkpointPath(dir)}: ENOSPC`);
    spy.mockRestore();
    expect(fs.readFileSync(checkpointPath(dir)).equals(before)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['checkpoints.json']);
    expect(loadCheckpoints(dir)).toEqual({ state: state() });
  });
});
