// The read pump: reads every source a chunk at a time, round-robin from a moving start, until none has more;
// waits for room when the batcher is full; a source that throws is reported and skipped.
import { describe, expect, it, vi } from 'vitest';
import { IDLE_POLL_MAX_MS, createReadPump, type PumpSource } from '../../agent/read-pump.js';
import type { ReadResult } from '../../agent/sources/files/tailer.js';

/** A source that answers `results` in turn, then 'eof'; its reads are logged in `order`. */
function source(path: string, results: Array<ReadResult | Error>, order: string[]): PumpSource {
  return {
    path,
    readOnce() {
      order.push(path);
      const r = results.shift() ?? 'eof';
      if (r instanceof Error) throw r;
      return r;
    },
  };
}

describe('read pump', () => {
  it('reads until no source has data, starting each round one source further', async () => {
    const order: string[] = [];
    const sources = [source('a', ['data', 'data'], order), source('b', ['data'], order), source('c', [], order)];
    let rounds = 0;
    const pump = createReadPump({
      sources: () => sources,
      waitForRoom: () => Promise.resolve(),
      readFailed: () => undefined,
      afterRound: () => void rounds++,
    });
    await pump.pump();
    expect(order).toEqual(['a', 'b', 'c', 'b', 'c', 'a', 'c', 'a', 'b']);
    expect(rounds).toBe(3);
  });

  it('a source that has no room makes the pump wait for room, then read again', async () => {
    const order: string[] = [];
    let waited = 0;
    const sources = [source('a', ['blocked', 'data'], order)];
    const pump = createReadPump({
      sources: () => sources,
      waitForRoom: () => {
        waited++;
        return Promise.resolve();
      },
      readFailed: () => undefined,
      afterRound: () => undefined,
    });
    await pump.pump();
    expect(waited).toBe(1);
    expect(order).toEqual(['a', 'a', 'a']);
  });

  it('a read that throws is reported and the other sources are still read', async () => {
    const order: string[] = [];
    const failed: string[] = [];
    const sources = [source('bad', [new Error('EIO')], order), source('good', ['data'], order)];
    const pump = createReadPump({
      sources: () => sources,
      waitForRoom: () => Promise.resolve(),
      readFailed: (p, err) => void failed.push(`${p}: ${(err as Error).message}`),
      afterRound: () => undefined,
    });
    await pump.pump();
    expect(failed).toEqual(['bad: EIO']);
    expect(order.filter((p) => p === 'good')).toHaveLength(2);
  });

  it('counts failures in a row per source, and starts over once it reads again', async () => {
    const order: string[] = [];
    const seen: number[] = [];
    const results: Array<ReadResult | Error> = [new Error('x'), 'blocked', new Error('y')];
    const src = source('bad', results, order);
    const pump = createReadPump({
      sources: () => [src],
      waitForRoom: () => Promise.resolve(),
      readFailed: (_p, _err, consecutive) => void seen.push(consecutive),
      afterRound: () => undefined,
    });
    await pump.pump(); // x: failed once
    results.unshift(new Error('again'));
    await pump.pump();
    await pump.pump(); // 'blocked' is a read that did not throw: the streak ends, and y starts a new one
    await pump.pump();
    expect(seen).toEqual([1, 2, 1]);
  });

  it('a call while pumping makes it go round once more; after stop() nothing is read', async () => {
    const order: string[] = [];
    const results: ReadResult[] = ['data'];
    const src = source('a', results, order);
    const pump = createReadPump({
      sources: () => [src],
      waitForRoom: () => Promise.resolve(),
      readFailed: () => undefined,
      afterRound: () => undefined,
    });
    const first = pump.pump();
    results.push('eof', 'data'); // more arrives while the first pass runs
    void pump.pump();
    await first;
    expect(order).toHaveLength(4); // data, eof, then once more: data, eof
    expect(results).toEqual([]);
    pump.stop();
    const n = order.length;
    results.push('data');
    await pump.pump();
    expect(order).toHaveLength(n);
  });
});

describe('read pump: idle backoff of the poll', () => {
  it('a poll skips a file that found nothing, doubling its wait up to IDLE_POLL_MAX_MS; a full pump or new data resets it', async () => {
    vi.useFakeTimers();
    try {
      const order: string[] = [];
      const results: Record<string, ReadResult[]> = { quiet: [], busy: [] };
      const mk = (path: string): PumpSource => ({
        path,
        readOnce() {
          order.push(path);
          return results[path].shift() ?? 'eof';
        },
      });
      const sources = [mk('quiet'), mk('busy')];
      const pump = createReadPump({
        sources: () => sources,
        waitForRoom: () => Promise.resolve(),
        readFailed: () => undefined,
        afterRound: () => undefined,
      });
      const readsOf = (p: string) => order.filter((x) => x === p).length;
      pump.start(250);
      // Polls at 250 ms steps for 20 s: the quiet file is read after 500, 1000, 2000, 4000, 5000, ... ms of waiting.
      for (let t = 0; t < 20_000; t += 250) {
        if (t % 1000 === 0) results.busy.push('data'); // busy grows once a second
        await vi.advanceTimersByTimeAsync(250);
      }
      expect(readsOf('quiet')).toBeGreaterThanOrEqual(6);
      expect(readsOf('quiet')).toBeLessThanOrEqual(9); // instead of 80 polls
      expect(readsOf('busy')).toBeGreaterThan(readsOf('quiet'));
      const before = readsOf('quiet');
      await pump.pump(); // a file-system event: every file, backoff or not
      expect(readsOf('quiet')).toBe(before + 1);
      results.quiet.push('data');
      for (let i = 0; i < 4 && readsOf('quiet') < before + 2; i++) await vi.advanceTimersByTimeAsync(IDLE_POLL_MAX_MS / 4);
      const grown = readsOf('quiet');
      await vi.advanceTimersByTimeAsync(750); // it had data: its wait starts over at 500 ms, not 2 s
      expect(readsOf('quiet')).toBe(grown + 1);
      pump.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
