// Whether a line's own time may pick its daily index. A line's time is data: `time: 0` or `time: 8.64e15` would
// put it into logs-1970.01.01 or logs-275760.09.13, where retention and searches never look. Only a time within
// a window around the read time is taken; the read time comes from the time journal (or the spool), so a re-read
// line is judged against the same instant and lands in the same index.

export interface TimestampWindow {
  /** How far before the read time a line's own time may be. */
  maxPastMs: number;
  /** How far after the read time a line's own time may be (clock skew between hosts). */
  maxFutureMs: number;
}

const DAY_MS = 86_400_000;

export const DEFAULT_TIMESTAMP_WINDOW: TimestampWindow = { maxPastMs: 365 * DAY_MS, maxFutureMs: DAY_MS };

export type TimestampVerdict = 'ok' | 'too_old' | 'too_new' | 'invalid';

/** The verdict on a line's time `lineMs` read at `readTime` (ms since the epoch); NaN and infinities are invalid. */
export function judgeTimestamp(lineMs: number, readTime: number, w: TimestampWindow): TimestampVerdict {
  if (!Number.isFinite(lineMs) || !Number.isFinite(readTime)) return 'invalid';
  if (lineMs < readTime - w.maxPastMs) return 'too_old';
  if (lineMs > readTime + w.maxFutureMs) return 'too_new';
  return 'ok';
}
