import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAckWatermark } from '../../agent/pipeline/ack-watermark.js';

describe('ack watermark', () => {
  it('starts at the start offset with nothing pending', () => {
    const w = createAckWatermark(500);
    expect(w.watermark).toBe(500);
    expect(w.pending).toBe(0);
  });

  it('advances only over a contiguous acknowledged prefix', () => {
    const w = createAckWatermark(100);
    const t = [w.add(110), w.add(120), w.add(135), w.add(140)];
    expect(t).toEqual([0, 1, 2, 3]);
    expect(w.pending).toBe(4);
    w.ack(2);
    expect(w.watermark).toBe(100);
    w.ack(1);
    expect(w.watermark).toBe(100);
    expect(w.pending).toBe(2);
    w.ack(0);
    expect(w.watermark).toBe(135);
    expect(w.pending).toBe(1);
    w.ack(3);
    expect(w.watermark).toBe(140);
    expect(w.pending).toBe(0);
  });

  it('ignores a second ack and unknown tickets', () => {
    const w = createAckWatermark(0);
    const a = w.add(10);
    w.add(20);
    w.ack(a);
    w.ack(a);
    w.ack(-1);
    w.ack(99);
    expect(w.pending).toBe(1);
    expect(w.watermark).toBe(10);
  });

  it('keeps working across compaction (tickets keep counting)', () => {
    const w = createAckWatermark(0);
    for (let i = 0; i < 3000; i++) {
      const t = w.add((i + 1) * 10);
      expect(t).toBe(i);
      w.ack(t);
    }
    expect(w.watermark).toBe(30000);
    expect(w.pending).toBe(0);
    const next = w.add(30010);
    expect(next).toBe(3000);
    w.ack(0); // long gone: ignored
    expect(w.pending).toBe(1);
    w.ack(next);
    expect(w.watermark).toBe(30010);
  });

  // Deterministic PRNG so a failing seed reproduces.
  function rng(seed: number) {
    let s = seed >>> 0 || 1;
    return () => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) / 2 ** 32;
    };
  }

  it('property: 10k tickets acked in random order, interleaved with adds, match a model', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 1, max: 3000 }),
        (seed, start, window) => {
          const rand = rng(seed);
          const N = 10_000;
          const w = createAckWatermark(start);
          const ends: number[] = [];
          const acked: boolean[] = [];
          const unacked: number[] = []; // registered, not acked
          let prefix = 0; // model: tickets [0, prefix) all acked
          let end = start;
          while (ends.length < N || unacked.length > 0) {
            // Add while under the in-flight window (and sometimes regardless), else ack a random one.
            if (ends.length < N && (unacked.length < window ? rand() < 0.6 : rand() < 0.05)) {
              end += 1 + Math.floor(rand() * 200);
              const t = w.add(end);
              if (t !== ends.length) expect(t).toBe(ends.length);
              ends.push(end);
              acked.push(false);
              unacked.push(t);
            } else if (unacked.length > 0) {
              const k = Math.floor(rand() * unacked.length);
              const t = unacked[k];
              unacked[k] = unacked[unacked.length - 1];
              unacked.pop();
              w.ack(t);
              acked[t] = true;
              if (rand() < 0.1) w.ack(t); // duplicate acks are harmless
              while (prefix < ends.length && acked[prefix]) prefix++;
              const want = prefix === 0 ? start : ends[prefix - 1];
              // Plain comparison first: 10k expect() calls per run would dominate the run time.
              if (w.watermark !== want || w.pending !== unacked.length) {
                expect({ watermark: w.watermark, pending: w.pending }).toEqual({ watermark: want, pending: unacked.length });
              }
            }
          }
          expect(w.watermark).toBe(ends[N - 1]);
          expect(w.pending).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  });
});
