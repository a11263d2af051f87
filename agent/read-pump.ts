// Reads the open files a chunk at a time, round-robin, while the batcher has room; waits for room when it has
// none, and yields to the event loop between rounds so acknowledgements and timers run.
// A pump for a reason (a file-system event, room again, a new file) reads every file. The poll that stands in
// for missed events does not: a file that had nothing new is polled less and less often, from poll_interval_ms
// doubling up to IDLE_POLL_MAX_MS (Filebeat's backoff / max_backoff), and back to every poll once it grows. 200
// idle files polled four times a second were most of an idle agent's CPU.
import type { ReadResult } from './sources/files/tailer.js';

/** However long the batcher stays full, every file is looked at again this often (truncation, new data). */
const RECHECK_MS = 250;
/**
 * The longest an idle file waits for a poll (a file-system event reads it at once; the poll only catches what
 * the watcher missed). Filebeat's max_backoff is 10 s; at 2 s, 200 idle files still cost 100 fstat calls a second.
 */
export const IDLE_POLL_MAX_MS = 5000;

export interface PumpSource {
  readonly path: string;
  readOnce(): ReadResult;
}

export interface ReadPumpOptions {
  sources: () => Iterable<PumpSource>;
  /** Resolves when the batcher has room again. */
  waitForRoom: () => Promise<void>;
  /** Reading `path` threw, `consecutive` times in a row; it is tried again on the next round. */
  readFailed: (path: string, err: unknown, consecutive: number) => void;
  /** After each round (a rotation decision may want a checkpoint). */
  afterRound: () => void;
}

export interface ReadPump {
  /**
   * Reads until nothing has more to give; a call while it runs makes it go round once more. `poll`: only the
   * files whose idle backoff is over (the periodic poll and scan); otherwise every file.
   */
  pump(poll?: boolean): Promise<void>;
  /** Pump every `pollMs` (new data without a file system event) until stop(). */
  start(pollMs: number): void;
  stop(): void;
}

export function createReadPump(o: ReadPumpOptions): ReadPump {
  let pumping = false;
  let again = false;
  let stopping = false;
  let rr = 0;
  let timer: NodeJS.Timeout | undefined;
  /** Failures in a row per source, for how loud the next one is; a source that reads again starts over. */
  const failing = new WeakMap<PumpSource, number>();
  /** Polls in a row that found nothing, and when the next poll is due, per idle source. */
  const idle = new WeakMap<PumpSource, { misses: number; dueAt: number }>();
  let pollMs = RECHECK_MS;
  let againFull = false;

  /** One pass over every source from a moving start; whether any read data, whether any waits for room. */
  function round(poll: boolean): { progressed: boolean; blocked: boolean } {
    let progressed = false;
    let blocked = false;
    // Round-robin from a moving start: when room is short, the first file in line would otherwise always
    // take it (fairness: one fast file must not starve the others).
    const list = [...o.sources()];
    const start = list.length > 0 ? rr++ % list.length : 0;
    const now = poll ? Date.now() : 0;
    for (let i = 0; i < list.length && !stopping; i++) {
      const t = list[(start + i) % list.length];
      const quiet = idle.get(t);
      if (poll && quiet && quiet.dueAt > now) continue;
      let r: ReadResult;
      try {
        r = t.readOnce();
      } catch (err) {
        // One source failing must not stop the others, nor this round: it is tried again next round.
        const n = (failing.get(t) ?? 0) + 1;
        failing.set(t, n);
        o.readFailed(t.path, err, n);
        continue;
      }
      failing.delete(t);
      if (r === 'data') {
        progressed = true;
        idle.delete(t);
      } else if (r === 'blocked') blocked = true;
      else if (poll && r === 'eof') {
        const misses = (quiet?.misses ?? 0) + 1;
        idle.set(t, { misses, dueAt: now + Math.min(IDLE_POLL_MAX_MS, pollMs * 2 ** misses) });
      }
    }
    return { progressed, blocked };
  }

  async function pump(poll = false) {
    if (pumping) {
      if (!poll) againFull = true;
      again = true;
      return;
    }
    pumping = true;
    let pollOnly = poll;
    try {
      do {
        again = false;
        let progressed = true;
        while (progressed && !stopping) {
          const r = round(pollOnly);
          progressed = r.progressed;
          o.afterRound();
          if (r.blocked) {
            await Promise.race([o.waitForRoom(), new Promise((res) => setTimeout(res, RECHECK_MS))]);
            progressed = true;
          }
          if (progressed) await new Promise((res) => setImmediate(res));
        }
        pollOnly = !againFull; // a call for a reason while this pump ran: the next rounds read every file
        againFull = false;
      } while (again && !stopping);
    } finally {
      pumping = false;
    }
  }

  return {
    pump,
    start(every) {
      pollMs = every;
      timer ??= setInterval(() => void pump(true), every);
    },
    stop() {
      stopping = true;
      clearInterval(timer);
      timer = undefined;
    },
  };
}
