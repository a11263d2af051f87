// Where the live tail stands (pure). Each poll asks for matches from a little before the newest line it has sent
// (lines are indexed after a refresh, and a line can carry an earlier time than one already sent), and drops the
// ones it has already sent, so a line is sent once and a late one is not missed.
export interface TailCursor {
  /** The time the next poll searches from. */
  fromMs(): number;
  /** The rows of a poll that were not sent before, remembered as sent. */
  take<R extends { id: string; time: string }>(rows: R[]): R[];
}

export function createTailCursor(startMs: number, lookbackMs: number): TailCursor {
  const sent = new Map<string, number>();
  let newest = startMs;
  const from = () => newest - lookbackMs;
  return {
    fromMs: from,
    take(rows) {
      const fresh = rows.filter((r) => !sent.has(r.id));
      for (const r of fresh) {
        const t = Date.parse(r.time);
        sent.set(r.id, Number.isNaN(t) ? newest : t);
        if (t > newest) newest = t;
      }
      // Ids older than the window cannot come back in a poll: forget them.
      const floor = from() - 1000;
      for (const [id, t] of sent) if (t < floor) sent.delete(id);
      return fresh;
    },
  };
}
