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
