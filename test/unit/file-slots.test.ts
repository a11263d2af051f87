// The bookkeeping behind agent.max_open_files: who waits in which order, which open files give their slot up,
// and what a file closed while idle keeps.
import type fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FileSlots, IDLE_MS, type SlotHolder } from '../../agent/sources/files/file-slots.js';
import type { FileCheckpoint } from '../../agent/state/checkpoint-store.js';

const entry = (offset: number, fp = 'fp', fpLen = 10): FileCheckpoint => ({
  identity: 'id',
  dev: 1,
  ino: 2,
  path: '/logs/a.log',
  offset,
  fp,
  fpLen,
  generation: 0,
  firstSeen: 1,
  updated: 1,
});

const holder = (over: Partial<SlotHolder> = {}): SlotHolder => ({
  closed: false,
  atPath: true,
  acked: 100,
  pendingAcks: 0,
  inactiveMs: IDLE_MS,
  bytesBehind: 0,
  ...over,
});

describe('file slots', () => {
  it('files wait in the order they were found; one already waiting keeps its place; a shrunk one goes first', () => {
    const s = new FileSlots(2);
    s.want('a', { fromEnd: false });
    s.want('b', { fromEnd: true });
    s.want('a', { fromEnd: false });
    s.want('c', { fromEnd: false });
    s.want('c', { fromEnd: false }, true);
    expect(s.order().map(([k]) => k)).toEqual(['c', 'a', 'b']);
    expect(s.order()[2][1]).toEqual({ fromEnd: true });
    expect(s.waiting).toBe(3);
    s.done('c');
    s.want('c', { fromEnd: false }); // queued again: at the back (round-robin)
    expect(s.order().map(([k]) => k)).toEqual(['a', 'b', 'c']);
  });

  it('after a scan, waiting files not found leave the queue and parked ones not found are returned', () => {
    const s = new FileSlots(2);
    s.want('a', { fromEnd: false });
    s.want('b', { fromEnd: false });
    s.park('p', entry(5));
    s.park('q', entry(5, 'other'));
    expect(s.notFound(new Set(['b', 'q']))).toEqual(['p']);
    expect(s.order().map(([k]) => k)).toEqual(['b']);
    expect([...s.parked.keys()]).toEqual(['q']);
  });

  it('a parked file counts as changed when its size or mtime differs, or when it was never open', () => {
    const s = new FileSlots(1);
    s.park('a', entry(100), { size: 100, mtimeMs: 7 });
    s.park('b', entry(100));
    expect(s.changed('a', { size: 100, mtimeMs: 7 })).toBe(false);
    expect(s.changed('a', { size: 120, mtimeMs: 7 })).toBe(true);
    expect(s.changed('a', { size: 100, mtimeMs: 8 })).toBe(true);
    expect(s.changed('b', { size: 100, mtimeMs: 7 })).toBe(true);
    expect(s.changed('unknown', { size: 1, mtimeMs: 1 })).toBe(false);
  });

  it('asks for as many slots as files wait beyond the free ones', () => {
    const s = new FileSlots(3);
    expect(s.shortfall(3)).toBe(0); // nobody waits
    s.want('w1', { fromEnd: false });
    s.want('w2', { fromEnd: false });
    expect(s.shortfall(1)).toBe(0);
    expect(s.shortfall(2)).toBe(1);
    expect(s.shortfall(3)).toBe(2);
    expect(s.shortfall(5)).toBe(2); // over the limit (a lower limit after a restart): no more than wait
  });

  it('an open file gives its slot up only when read to its end, acknowledged, at its path and idle', () => {
    const s = new FileSlots(1);
    const cases: Array<[Partial<SlotHolder>, boolean]> = [
      [{}, true],
      [{ bytesBehind: 10 }, false], // a partial last line, lines in flight, or not read yet
      [{ pendingAcks: 1 }, false],
      [{ atPath: false }, false], // renamed or deleted: let go by close_inactive_ms instead
      [{ closed: true }, false],
      [{ inactiveMs: IDLE_MS - 1 }, false],
    ];
    for (const [over, idle] of cases) expect(s.idle(holder(over)), JSON.stringify(over)).toBe(idle);
  });

  it('a file queued again keeps its place and its first fromEnd, with what was found of it last', () => {
    const s = new FileSlots(1);
    const st = (size: number) => ({ size }) as fs.Stats;
    s.want('a', { fromEnd: true, found: { path: '/a', stat: st(1) } });
    s.want('b', { fromEnd: false });
    s.want('a', { fromEnd: false, found: { path: '/renamed', stat: st(2) } });
    expect(s.order()).toEqual([
      ['a', { fromEnd: true, found: { path: '/renamed', stat: st(2) } }],
      ['b', { fromEnd: false }],
    ]);
    s.want('b', { fromEnd: false }, true);
    s.want('b', { fromEnd: false, found: { path: '/b', stat: st(3) } });
    expect(s.order().map(([k, w]) => [k, w.found?.path])).toEqual([
      ['b', '/b'],
      ['a', '/renamed'],
    ]);
  });

  it('finds a parked file by the fingerprint of its first bytes, whatever their length', () => {
    const s = new FileSlots(1);
    s.park('a', entry(100, 'fp-of-10', 10));
    s.park('b', entry(100, 'fp-of-20', 20));
    s.park('empty', entry(0, 'fp-of-0', 0)); // no first bytes: nothing to compare
    const fps: Record<number, string> = { 0: 'fp-of-0', 10: 'x', 20: 'fp-of-20' };
    expect(s.startsLike((len) => fps[len])).toBe('b');
    expect(s.startsLike(() => undefined)).toBeUndefined();
    s.unpark('b');
    expect(s.startsLike((len) => fps[len])).toBeUndefined();
    s.park('a', entry(100, 'x', 10)); // parked again with other first bytes: the old index entry is gone
    expect(s.startsLike((len) => (len === 10 ? 'fp-of-10' : undefined))).toBeUndefined();
    expect(s.startsLike((len) => fps[len])).toBe('a');
  });
});
