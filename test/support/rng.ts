// The seeded PRNG (mulberry32) of the benchmarks and the chaos suite: a seed means the same sequence everywhere.
// No imports: bench/ is compiled with it (tsconfig.json) and runs it from dist/.

/** A generator of numbers in [0, 1), the same sequence for the same seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
