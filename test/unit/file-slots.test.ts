// The bookkeeping behind agent.max_open_files: who waits in which order, which open files give their slot up,
// and what a file closed while idle keeps.
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

  it('closes only as many idle files as files wait beyond the free slots, longest idle first', () => {
    const s = new FileSlots(3);
    const open = [
      { key: 'busy', t: holder({ inactiveMs: 10 }), size: 100 },
      { key: 'idle1', t: holder({ inactiveMs: IDLE_MS + 5 }), size: 100 },
      { key: 'idle2', t: holder({ inactiveMs: IDLE_MS + 50 }), size: 100 },
    ];
    expect(s.toClose(3, open)).toEqual([]); // nobody waits
    s.want('w1', { fromEnd: false });
    s.want('w2', { fromEnd: false });
    expect(s.toClose(2, open)).toHaveLength(1); // one slot free, two wait
    expect(s.toClose(2, open)[0].key).toBe('idle2');
    expect(s.toClose(3, open).map((o) => o.key)).toEqual(['idle2', 'idle1']);
  });

  it('an open file gives its slot up only when read to its end, acknowledged, at its path and idle', () => {
    const s = new FileSlots(1);
    s.want('w', { fromEnd: false });
    const cases: Array<[Partial<SlotHolder>, number, boolean]> = [
      [{}, 100, true],
      [{ acked: 90 }, 100, false], // a partial last line, or lines in flight
      [{ pendingAcks: 1 }, 100, false],
      [{ atPath: false }, 100, false], // renamed or deleted: let go by close_inactive_ms instead
      [{ closed: true }, 100, false],
      [{ inactiveMs: IDLE_MS - 1 }, 100, false],
      [{}, 120, false], // grew since it was read
    ];
    for (const [over, size, closes] of cases)
      expect(s.toClose(1, [{ key: 'k', t: holder(over), size }]).length, JSON.stringify(over)).toBe(closes ? 1 : 0);
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
