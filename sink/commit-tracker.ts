// Commit bookkeeping, pure: given a partition batch's offsets in order and which are done, the highest offset
// below which every record is done (indexed, duplicate or dead-lettered). Only that may be committed.

export function committableUpTo(offsets: string[], done: (offset: string) => boolean): string | undefined {
  let last: string | undefined;
  for (const o of offsets) {
    if (!done(o)) break;
    last = o;
  }
  return last;
}

/** The same, kept as records finish in any order (amortised O(1) per record): what a long batch may commit so far. */
export function createCommitTracker(offsets: string[]) {
  const done = new Set<string>();
  let prefix = 0; // every record before offsets[prefix] is done
  return {
    done(offset: string) {
      done.add(offset);
      while (prefix < offsets.length && done.has(offsets[prefix])) prefix++;
    },
    /** How many records are done. */
    count(): number {
      return done.size;
    },
    /** The last offset of the done prefix, with its index; undefined while the first record is not done. */
    upTo(): { offset: string; index: number } | undefined {
      return prefix === 0 ? undefined : { offset: offsets[prefix - 1], index: prefix - 1 };
    },
  };
}
