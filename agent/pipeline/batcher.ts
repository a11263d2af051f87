// Batches events from all sources into produce requests bounded by count, bytes and linger time, keeps the bytes
// in flight under a bound (sources wait for room: files are their own buffer), and retries a failed request
// until Kafka takes it. Acks are delivered per event, so each source's checkpoint follows what Kafka holds.
// One request in flight by default: a retried request can then never land behind a later one (the agent's lines
// share one key, so one partition, and this is what keeps them in order there without an idempotent producer).
import { backoffMs, sleep } from '../../common/backoff.js';
import { errorMessage } from '../../common/errors.js';

/** Takes the acknowledgement of a ticket: one per source (its ack watermark), not a closure per event. */
export interface AckSink {
  ack(ticket: number): void;
}

export interface QueuedEvent {
  key: string | null;
  value: Buffer;
  /** Told `ticket` once Kafka acknowledged this event. */
  acks: AckSink;
  ticket: number;
}

export interface BatcherOptions {
  send: (batch: QueuedEvent[]) => Promise<void>;
  maxEvents: number;
  maxBytes: number;
  lingerMs: number;
  maxInflightBytes: number;
  /** Requests in flight at once (agent.batch.max_in_flight). Above 1, a retried request may land behind a later one. */
  maxConcurrent?: number;
  /** The clock of `stalledMs` (tests inject one). */
  now?: () => number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Called after a failed send; `attempt` counts consecutive failures. May rebuild the producer. */
  onSendError?: (err: unknown, attempt: number, batchSize: number) => Promise<void> | void;
  onSent?: (events: number, bytes: number, ms: number) => void;
}

export interface Batcher {
  add(e: QueuedEvent): void;
  /** Resolves when bytes in flight are below the bound. */
  waitForRoom(): Promise<void>;
  readonly hasRoom: boolean;
  /** Bytes that may still be handed in before the bound is reached. */
  readonly room: number;
  /** Send what is queued and wait until everything handed in so far is acknowledged (or `signal` aborts). */
  flush(signal?: AbortSignal): Promise<void>;
  /** Stop retrying: unacknowledged events stay unacknowledged (their sources re-read them after restart). */
  stop(): void;
  readonly inflightBytes: number;
  readonly inflightEvents: number;
  readonly healthy: boolean;
  readonly lastError: string | undefined;
  /** How long events have been in flight without any acknowledgement (0 when nothing is in flight). */
  stalledMs(): number;
}

export function createBatcher(o: BatcherOptions): Batcher {
  const maxConcurrent = o.maxConcurrent ?? 1;
  const now = o.now ?? Date.now;
  /** When the last acknowledgement came, or when events went in flight after none were. */
  let progressAt = now();
  // Queued events are queue[head..]: taking a batch moves `head` instead of copying the rest of the queue.
  let queue: QueuedEvent[] = [];
  let head = 0;
  let queueBytes = 0;
  let inflightBytes = 0; // queued + being sent
  let inflightEvents = 0;
  let sending = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let failures = 0;
  let lastError: string | undefined;
  const stopCtl = new AbortController();
  let roomWaiters: Array<() => void> = [];
  let idleWaiters: Array<() => void> = [];

  function wakeRoom() {
    if (inflightBytes < o.maxInflightBytes) {
      const w = roomWaiters;
      roomWaiters = [];
      for (const f of w) f();
    }
    if (inflightEvents === 0) {
      const w = idleWaiters;
      idleWaiters = [];
      for (const f of w) f();
    }
  }

  function schedule() {
    const queued = queue.length - head;
    if (queued === 0) return;
    if (queued >= o.maxEvents || queueBytes >= o.maxBytes) {
      dispatch();
    } else if (!timer) {
      timer = setTimeout(() => {
        timer = undefined;
        dispatch();
      }, o.lingerMs);
    }
  }

  function dispatch() {
    while (queue.length > head && sending < maxConcurrent) {
      let n = 0;
      let bytes = 0;
      const queued = queue.length - head;
      while (n < queued && n < o.maxEvents && (n === 0 || bytes + queue[head + n].value.length <= o.maxBytes)) {
        bytes += queue[head + n].value.length;
        n++;
      }
      const batch = queue.slice(head, head + n);
      head += n;
      if (head === queue.length) {
        queue = [];
        head = 0;
      } else if (head > 4096 && head * 2 > queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
      queueBytes -= bytes;
      void sendBatch(batch, bytes);
    }
    if (timer && queue.length === head) {
      clearTimeout(timer);
      timer = undefined;
    }
  }

  async function sendBatch(batch: QueuedEvent[], bytes: number) {
    sending++;
    try {
      for (;;) {
        if (stopped) return; // left unacknowledged on purpose
        const t0 = Date.now();
        try {
          await o.send(batch);
          failures = 0;
          lastError = undefined;
          o.onSent?.(batch.length, bytes, Date.now() - t0);
          break;
        } catch (err) {
          failures++;
          lastError = errorMessage(err);
          await o.onSendError?.(err, failures, batch.length);
          await sleep(backoffMs(failures - 1, o.retryInitialMs ?? 200, o.retryMaxMs ?? 10_000), stopCtl.signal);
        }
      }
      for (const e of batch) e.acks.ack(e.ticket);
      progressAt = now();
      inflightBytes -= bytes;
      inflightEvents -= batch.length;
    } finally {
      sending--;
      wakeRoom();
      if (queue.length > head) schedule();
    }
  }

  return {
    add(e) {
      if (inflightEvents === 0) progressAt = now();
      queue.push(e);
      queueBytes += e.value.length;
      inflightBytes += e.value.length;
      inflightEvents++;
      schedule();
    },
    get hasRoom() {
      return inflightBytes < o.maxInflightBytes;
    },
    get room() {
      return Math.max(0, o.maxInflightBytes - inflightBytes);
    },
    waitForRoom() {
      if (inflightBytes < o.maxInflightBytes) return Promise.resolve();
      return new Promise((resolve) => roomWaiters.push(resolve));
    },
    async flush(signal) {
      dispatch();
      if (inflightEvents === 0) return;
      await new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        signal?.addEventListener('abort', () => resolve(), { once: true });
        // Keep dispatching as sends finish.
        const iv = setInterval(() => {
          dispatch();
          if (inflightEvents === 0 || signal?.aborted) {
            clearInterval(iv);
            resolve();
          }
        }, 20);
      });
    },
    stop() {
      stopped = true;
      stopCtl.abort();
      if (timer) clearTimeout(timer);
      const w = [...roomWaiters, ...idleWaiters];
      roomWaiters = [];
      idleWaiters = [];
      for (const f of w) f();
    },
    get inflightBytes() {
      return inflightBytes;
    },
    get inflightEvents() {
      return inflightEvents;
    },
    get healthy() {
      return failures === 0;
    },
    get lastError() {
      return lastError;
    },
    stalledMs() {
      return inflightEvents === 0 ? 0 : Math.max(0, now() - progressAt);
    },
  };
}
