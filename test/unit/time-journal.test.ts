import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openTimeJournal } from '../../agent/state/time-journal.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logship-journal-'));
});
afterEach(() => {
  vi.useRealTimers();
  fs.rmSync(dir, { recursive: true, force: true });
});

const journalFile = () => path.join(dir, 'read-times.log');
const journalLines = () => fs.readFileSync(journalFile(), 'utf8').split('\n').filter(Boolean);

describe('time journal', () => {
  it('records a mark per new chunk; a line takes the time of the last mark at or below its offset', () => {
    const j = openTimeJournal(dir);
    j.noteChunk('id1', 0, 100, 1000);
    j.noteChunk('id1', 100, 250, 2000);
    expect(j.timeFor('id1', 0)).toBe(1000);
    expect(j.timeFor('id1', 99)).toBe(1000);
    expect(j.timeFor('id1', 100)).toBe(2000);
    expect(j.timeFor('id1', 249)).toBe(2000);
    expect(journalLines()).toEqual(['id1 0 100 1000', 'id1 100 250 2000']);
    j.close();
  });

  it('identities are independent', () => {
    const j = openTimeJournal(dir);
    j.noteChunk('a', 0, 50, 111);
    j.noteChunk('b', 0, 50, 222);
    expect(j.timeFor('a', 10)).toBe(111);
    expect(j.timeFor('b', 10)).toBe(222);
    j.close();
  });

  it('an identity with no marks gets the current time', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_234_567);
    const j = openTimeJournal(dir);
    expect(j.timeFor('unknown', 5)).toBe(1_234_567);
    j.close();
  });

  it('the current time comes from the injected clock', () => {
    const j = openTimeJournal(dir, { now: () => 42_000 });
    expect(j.timeFor('unknown', 5)).toBe(42_000);
    j.close();
  });

  it('after a restart, re-read offsets get their original time and re-reading records nothing new', () => {
    const j = openTimeJournal(dir);
    j.noteChunk('id1', 0, 100, 1000);
    j.noteChunk('id1', 100, 250, 2000);
    j.close();

    const k = openTimeJournal(dir);
    expect(k.timeFor('id1', 50)).toBe(1000);
    expect(k.timeFor('id1', 150)).toBe(2000);
    k.noteChunk('id1', 0, 100, 9000); // re-reading known bytes
    k.noteChunk('id1', 100, 250, 9000);
    expect(k.timeFor('id1', 50)).toBe(1000);
    expect(k.timeFor('id1', 150)).toBe(2000);
    // A chunk that is partly known: only the new part gets the new time.
    k.noteChunk('id1', 200, 400, 3000);
    expect(k.timeFor('id1', 220)).toBe(2000);
    expect(k.timeFor('id1', 250)).toBe(3000);
    expect(k.timeFor('id1', 399)).toBe(3000);
    k.close();
    expect(journalLines()).toEqual(['id1 0 100 1000', 'id1 100 250 2000', 'id1 250 400 3000']);
  });

  it('compaction is skipped until enough marks were appended', () => {
    const j = openTimeJournal(dir);
    j.noteChunk('id1', 0, 10, 1);
    j.noteChunk('id1', 10, 20, 2);
    j.compact(new Map([['id1', 15]]));
    expect(journalLines()).toHaveLength(2);
    j.close();
  });

  it('compaction drops marks below the checkpoint but keeps the one covering it, and forgets unknown identities', () => {
    const j = openTimeJournal(dir);
    for (let i = 0; i < 1000; i++) j.noteChunk('id1', i * 10, (i + 1) * 10, 10_000 + i);
    j.noteChunk('gone', 0, 10, 5);
    j.compact(new Map([['id1', 5005]]));
    // Marks at 5000..9990: 500 of them; the one at 5000 covers the checkpoint 5005.
    const lines = journalLines();
    expect(lines).toHaveLength(500);
    expect(lines[0]).toBe('id1 5000 5010 10500');
    expect(lines[499]).toBe('id1 9990 10000 10999');
    expect(j.timeFor('id1', 5005)).toBe(10_500);
    expect(j.timeFor('id1', 5010)).toBe(10_501);
    expect(j.timeFor('id1', 9999)).toBe(10_999);
    // Appends after compaction go to the new file.
    j.noteChunk('id1', 10_000, 10_100, 20_000);
    j.close();
    expect(journalLines()).toHaveLength(501);

    const k = openTimeJournal(dir);
    expect(k.timeFor('id1', 5005)).toBe(10_500);
    expect(k.timeFor('id1', 7777)).toBe(10_777);
    expect(k.timeFor('id1', 10_050)).toBe(20_000);
    k.noteChunk('id1', 9000, 10_100, 99_999); // still known territory after the reload
    expect(k.timeFor('id1', 9000)).toBe(10_900);
    k.close();
    expect(fs.existsSync(`${journalFile()}.tmp`)).toBe(false);
  });

  it('compaction keeps a checkpoint exactly at a mark and never drops the last mark', () => {
    const j = openTimeJournal(dir);
    for (let i = 0; i < 1000; i++) j.noteChunk('id1', i * 10, (i + 1) * 10, i);
    j.compact(new Map([['id1', 100_000]]));
    expect(journalLines()).toEqual(['id1 9990 10000 999']);
    j.close();
    const k = openTimeJournal(dir);
    for (let i = 0; i < 1000; i++) k.noteChunk('id1', 10_000 + i * 10, 10_000 + (i + 1) * 10, 5000 + i);
    k.compact(new Map([['id1', 15_000]]));
    expect(journalLines()[0]).toBe('id1 15000 15010 5500');
    expect(k.timeFor('id1', 15_000)).toBe(5500);
    k.close();
  });

  it('a torn last line (crash mid-write) is ignored, and the next mark is not glued onto it', () => {
    const j = openTimeJournal(dir);
    j.noteChunk('id1', 0, 100, 1_700_000_000_000);
    j.close();
    // The write of "id1 100 200 1700000001000\n" was cut short.
    fs.appendFileSync(journalFile(), 'id1 100 200 17');
    const k = openTimeJournal(dir);
    expect(k.timeFor('id1', 50)).toBe(1_700_000_000_000);
    k.noteChunk('id1', 100, 200, 1_700_000_002_000);
    expect(k.timeFor('id1', 150)).toBe(1_700_000_002_000);
    k.close();
    const l = openTimeJournal(dir);
    expect(l.timeFor('id1', 50)).toBe(1_700_000_000_000);
    expect(l.timeFor('id1', 150)).toBe(1_700_000_002_000);
    l.close();
  });

  it('damaged lines are skipped', () => {
    fs.writeFileSync(journalFile(), 'id1 0 100 1000\ngarbage\nid1 x 200 5\n\nid1 100 200 2000\n');
    const j = openTimeJournal(dir);
    expect(j.timeFor('id1', 50)).toBe(1000);
    expect(j.timeFor('id1', 150)).toBe(2000);
    j.close();
  });
});

describe('time journal on a full disk', () => {
  const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

  it('a mark that cannot be written is not recorded, answers false, and is retried only after retryMs', () => {
    let clock = 1000;
    const failed: Array<[string, number]> = [];
    let recovered = 0;
    const j = openTimeJournal(dir, {
      now: () => clock,
      retryMs: 1000,
      onWriteFailed: (e, n) => failed.push([e, n]),
      onRecovered: (n) => (recovered = n),
    });
    expect(j.noteChunk('id1', 0, 100, 1000)).toBe(true);
    const spy = vi.spyOn(fs, 'writeSync').mockImplementation(() => {
      throw enospc();
    });
    expect(j.noteChunk('id1', 100, 200, 2000)).toBe(false);
    expect(j.failure).toMatch(/cannot append to .*read-times\.log: ENOSPC/);
    expect(failed).toEqual([[j.failure, 1]]);
    // Within retryMs nothing is tried: one failed write a second, not one per read.
    clock += 500;
    expect(j.noteChunk('id1', 100, 200, 2500)).toBe(false);
    expect(spy).toHaveBeenCalledTimes(1);
    clock += 600;
    expect(j.noteChunk('id1', 100, 200, 3100)).toBe(false);
    expect(failed.map(([, n]) => n)).toEqual([1, 2]);
    // Not recorded: the time of offset 150 is not known yet.
    expect(j.timeFor('id1', 150)).toBe(1000);
    spy.mockRestore();
    clock += 1000;
    expect(j.noteChunk('id1', 100, 200, 4100)).toBe(true);
    expect(j.failure).toBeUndefined();
    expect(recovered).toBe(2);
    expect(j.timeFor('id1', 150)).toBe(4100);
    j.close();
    expect(journalLines()).toEqual(['id1 0 100 1000', 'id1 100 200 4100']);
  });

  it('a write cut short is cut off again: the file holds whole marks only', () => {
    let clock = 0;
    const j = openTimeJournal(dir, { now: () => clock });
    j.noteChunk('id1', 0, 100, 1000);
    const real = fs.writeSync.bind(fs) as (fd: number, b: Buffer) => number;
    const spy = vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, b: Buffer) => real(fd, b.subarray(0, 7))) as never);
    expect(j.noteChunk('id1', 100, 200, 2000)).toBe(false);
    spy.mockRestore();
    expect(fs.readFileSync(journalFile(), 'utf8')).toBe('id1 0 100 1000\n');
    clock += 2000;
    expect(j.noteChunk('id1', 100, 200, 3000)).toBe(true);
    j.close();
    expect(journalLines()).toEqual(['id1 0 100 1000', 'id1 100 200 3000']);
  });

  it('a torn mark that could not be cut off is ended so that the loader skips it', () => {
    let clock = 0;
    const j = openTimeJournal(dir, { now: () => clock });
    j.noteChunk('id1', 0, 100, 1_700_000_000_000);
    const real = fs.writeSync.bind(fs) as (fd: number, b: Buffer) => number;
    const write = vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, b: Buffer) => real(fd, b.subarray(0, 14))) as never);
    const trunc = vi.spyOn(fs, 'ftruncateSync').mockImplementation(() => {
      throw Object.assign(new Error('EIO'), { code: 'EIO' });
    });
    expect(j.noteChunk('id1', 100, 200, 1_700_000_001_000)).toBe(false);
    write.mockRestore();
    trunc.mockRestore();
    expect(fs.readFileSync(journalFile(), 'utf8')).toBe('id1 0 100 1700000000000\nid1 100 200 17');
    clock += 2000;
    expect(j.noteChunk('id1', 100, 200, 1_700_000_002_000)).toBe(true);
    j.close();
    const k = openTimeJournal(dir);
    expect(k.timeFor('id1', 150)).toBe(1_700_000_002_000);
    k.close();
    expect(journalLines()).toEqual(['id1 0 100 1700000000000', 'id1 100 200 17 torn', 'id1 100 200 1700000002000']);
  });

  it('a failed compaction keeps the old file and leaves no temp file', () => {
    const failed: string[] = [];
    const j = openTimeJournal(dir, { onWriteFailed: (e, _n, op) => failed.push(`${op}: ${e}`) });
    for (let i = 0; i < 1000; i++) j.noteChunk('id1', i * 10, (i + 1) * 10, 10_000 + i);
    const spy = vi.spyOn(fs, 'writeFileSync').mockImplementation((f) => {
      const fd = fs.openSync(f as string, 'w'); // the disk filled up half-way through the temp file
      fs.writeSync(fd, 'half');
      fs.closeSync(fd);
      throw enospc();
    });
    j.compact(new Map([['id1', 5005]]));
    spy.mockRestore();
    expect(failed).toEqual([expect.stringMatching(/^compact: cannot compact .*: ENOSPC$/)]);
    expect(j.failure).toBeUndefined(); // appends may still work: reading goes on
    expect(fs.existsSync(`${journalFile()}.tmp`)).toBe(false);
    expect(journalLines()).toHaveLength(1000);
    expect(j.noteChunk('id1', 10_000, 10_010, 99)).toBe(true);
    j.close();
  });
});
