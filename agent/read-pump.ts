// Reads the open files a chunk at a time, round-robin, while the batcher has room; waits for room when it has
// none, and yields to the event loop between rounds so acknowledgements and timers run.
import type { ReadResult } from './sources/files/tailer.js';

/** However long the batcher stays full, every file is looked at again this often (truncation, new data). */
const RECHECK_MS = 250;

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
  /** Reads until nothing has more to give; a call while it runs makes it go round once more. */
  pump(): Promise<void>;
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

  /** One pass over every source from a moving start; whether any read data, whether any waits for room. */
  function round(): { progressed: boolean; blocked: boolean } {
    let progressed = false;
    let blocked = false;
    // Round-robin from a moving start: when room is short, the first file in line would otherwise always
    // take it (fairness: one fast file must not starve the others).
    const list = [...o.sources()];
    const start = list.length > 0 ? rr++ % list.length : 0;
    for (let i = 0; i < list.length && !stopping; i++) {
      const t = list[(start + i) % list.length];
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
      if (r === 'data') progressed = true;
      else if (r === 'blocked') blocked = true;
    }
    return { progressed, blocked };
  }

  async function pump() {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        let progressed = true;
        while (progressed && !stopping) {
          const r = round();
          progressed = r.progressed;
          o.afterRound();
          if (r.blocked) {
            await Promise.race([o.waitForRoom(), new Promise((res) => setTimeout(res, RECHECK_MS))]);
            progressed = true;
          }
          if (progressed) await new Promise((res) => setImmediate(res));
        }
      } while (again && !stopping);
    } finally {
      pumping = false;
    }
  }

  return {
    pump,
    start(pollMs) {
      timer ??= setInterval(() => void pump(), pollMs);
    },
    stop() {
      stopping = true;
      clearInterval(timer);
      timer = undefined;
    },
  };
}
