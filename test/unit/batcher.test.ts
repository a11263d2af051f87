// The batcher: requests bounded by count, bytes and linger time; bytes in flight bounded (sources wait for room);
// a failed request retried with backoff until it goes; acks per event; flush that an abort ends. Fake timers:
// time is advanced, never waited for.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBatcher, type BatcherOptions, type QueuedEvent } from '../../agent/pipeline/batcher.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A send that resolves or fails when the test says so. */
function controlledSend() {
  const calls: Array<{ batch: string[]; resolve: () => void; reject: (e: unknown) => void }> = [];
  const send = (batch: QueuedEvent[]) =>
    new Promise<void>((resolve, reject) => calls.push({ batch: batch.map((e) => e.value.toString()), resolve, reject }));
  return { calls, send };
}

function setup(o: Partial<BatcherOptions> = {}) {
  const c = controlledSend();
  const acked: string[] = [];
  const batcher = createBatcher({ maxEvents: 100, maxBytes: 1 << 20, lingerMs: 50, maxInflightBytes: 1 << 20, send: c.send, ...o });
  const names: string[] = [];
  const acks = { ack: (ticket: number) => acked.push(names[ticket]) };
  const add = (...values: string[]) => {
    for (const v of values) batcher.add({ key: 'h', value: Buffer.from(v), acks, ticket: names.push(v) - 1 });
  };
  return { ...c, acked, batcher, add };
}

describe('batcher', () => {
  it('sends at max_events at once, without waiting for the linger time', () => {
    const { calls, add } = setup({ maxEvents: 3 });
    add('a', 'b');
    expect(calls).toHaveLength(0);
    add('c');
    expect(calls.map((c) => c.batch)).toEqual([['a', 'b', 'c']]);
  });

  it('sends at max_bytes; a request never exceeds it (except a single larger event)', () => {
    const { calls, add } = setup({ maxBytes: 10, maxConcurrent: 4 });
    add('aaaa', 'bbbb', 'cccc'); // 12 bytes queued >= 10: dispatched as 8 + 4
    expect(calls.map((c) => c.batch)).toEqual([['aaaa', 'bbbb'], ['cccc']]);
    add('x'.repeat(25));
    expect(calls[2].batch).toEqual(['x'.repeat(25)]);
  });

  it('sends what is queued once linger_ms has passed', async () => {
    const { calls, add } = setup({ lingerMs: 50 });
    add('a');
    await vi.advanceTimersByTimeAsync(49);
    expect(calls).toHaveLength(0);
    add('b');
    await vi.advanceTimersByTimeAsync(1); // from the first event, not the last
    expect(calls.map((c) => c.batch)).toEqual([['a', 'b']]);
  });

  it('keeps at most max_concurrent requests in flight; the rest go as requests finish', async () => {
    const { calls, add } = setup({ maxEvents: 1, maxConcurrent: 2 });
    add('a', 'b', 'c');
    expect(calls.map((c) => c.batch)).toEqual([['a'], ['b']]);
    calls[0].resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => c.batch)).toEqual([['a'], ['b'], ['c']]);
  });

  it('one request in flight by default: a failed request is retried and acknowledged before the next one goes', async () => {
    const { calls, add, acked } = setup({ maxEvents: 1, retryInitialMs: 100 });
    add('a', 'b');
    expect(calls.map((c) => c.batch)).toEqual([['a']]);
    calls[0].reject(new Error('NOT_LEADER_OR_FOLLOWER'));
    await vi.advanceTimersByTimeAsync(100);
    expect(calls.map((c) => c.batch)).toEqual([['a'], ['a']]); // the retry, not 'b'
    calls[1].resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => c.batch)).toEqual([['a'], ['a'], ['b']]);
    calls[2].resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(acked).toEqual(['a', 'b']);
  });

  it('stalledMs: how long events have waited for any acknowledgement; 0 with nothing in flight', async () => {
    let t = 1000;
    const { calls, add, batcher } = setup({ maxEvents: 1, now: () => t });
    expect(batcher.stalledMs()).toBe(0);
    t = 5000;
    add('a', 'b'); // in flight from now, not from the batcher's start
    t = 9000;
    expect(batcher.stalledMs()).toBe(4000);
    calls[0].resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(batcher.stalledMs()).toBe(0); // 'b' still in flight, but an ack just came
    t = 12_000;
    expect(batcher.stalledMs()).toBe(3000);
    calls[1].resolve();
    await vi.advanceTimersByTimeAsync(0);
    t = 60_000;
    expect(batcher.stalledMs()).toBe(0);
  });

  it('bounds the bytes in flight: no room once reached, waitForRoom resolves when acks bring it below', async () => {
    const { calls, add, acked, batcher } = setup({ maxEvents: 1, maxInflightBytes: 10, maxConcurrent: 2 });
    add('aaaa');
    expect(batcher.hasRoom).toBe(true);
    expect(batcher.room).toBe(6);
    add('bbbbbb');
    expect(batcher.hasRoom).toBe(false);
    expect(batcher.room).toBe(0);
    expect(batcher.inflightBytes).toBe(10);
    expect(batcher.inflightEvents).toBe(2);
    let room = false;
    void batcher.waitForRoom().then(() => (room = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(room).toBe(false);
    calls[1].resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(room).toBe(true);
    expect(acked).toEqual(['bbbbbb']); // acks are per request, in the order Kafka answers
    expect(batcher.inflightBytes).toBe(4);
    await expect(batcher.waitForRoom()).resolves.toBeUndefined();
  });

  it('retries a failed request with growing backoff until it goes; events are acknowledged once', async () => {
    const errors: Array<[string, number, number]> = [];
    const sent: Array<[number, number]> = [];
    const { calls, add, acked, batcher } = setup({
      maxEvents: 2,
      retryInitialMs: 100,
      retryMaxMs: 1000,
      onSendError: (err, attempt, n) => void errors.push([(err as Error).message, attempt, n]),
      onSent: (events, bytes) => void sent.push([events, bytes]),
    });
    add('a', 'b');
    calls[0].reject(new Error('broker away'));
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toEqual([['broker away', 1, 2]]);
    expect(batcher.healthy).toBe(false);
    expect(batcher.lastError).toBe('broker away');
    // Full jitter: the first wait is between half and all of retry_initial_ms.
    await vi.advanceTimersByTimeAsync(49);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(51);
    expect(calls).toHaveLength(2);
    expect(calls[1].batch).toEqual(['a', 'b']); // the same request again
    calls[1].reject(new Error('still away'));
    await vi.advanceTimersByTimeAsync(0);
    expect(errors.map((e) => e[1])).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(99); // the second wait is at least 100 ms
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(101);
    expect(calls).toHaveLength(3);
    expect(acked).toEqual([]);
    calls[2].resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(acked).toEqual(['a', 'b']);
    expect(sent).toEqual([[2, 2]]);
    expect(batcher.healthy).toBe(true);
    expect(batcher.lastError).toBeUndefined();
    expect(batcher.inflightEvents).toBe(0);
  });

  it('the backoff stays under retry_max_ms however long the failures last', async () => {
    const { calls, add } = setup({ maxEvents: 1, retryInitialMs: 100, retryMaxMs: 300 });
    add('a');
    for (let i = 0; i < 8; i++) {
      calls[i].reject(new Error('down'));
      await vi.advanceTimersByTimeAsync(300);
      expect(calls).toHaveLength(i + 2);
    }
  });

  it('flush sends what lingers and resolves once everything is acknowledged', async () => {
    const { calls, add, acked, batcher } = setup({ lingerMs: 10_000 });
    add('a', 'b');
    let done = false;
    void batcher.flush().then(() => (done = true));
    expect(calls.map((c) => c.batch)).toEqual([['a', 'b']]); // not waiting for the linger time
    await vi.advanceTimersByTimeAsync(100);
    expect(done).toBe(false);
    calls[0].resolve();
    await vi.advanceTimersByTimeAsync(20);
    expect(done).toBe(true);
    expect(acked).toEqual(['a', 'b']);
    await expect(batcher.flush()).resolves.toBeUndefined(); // nothing in flight: at once
  });

  it('flush ends when its signal aborts; stop leaves the unacknowledged events unacknowledged', async () => {
    const { calls, add, acked, batcher } = setup({ retryInitialMs: 100 });
    add('a');
    const ctl = new AbortController();
    let done = false;
    void batcher.flush(ctl.signal).then(() => (done = true));
    calls[0].reject(new Error('down'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(done).toBe(false);
    ctl.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
    expect(batcher.inflightEvents).toBe(1);
    const before = calls.length;
    batcher.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(before); // no more retries
    expect(acked).toEqual([]);
    expect(batcher.inflightEvents).toBe(1);
  });
});

describe('batcher queue', () => {
  it('takes batch after batch from a long queue in order, every event acknowledged once', async () => {
    const sent: string[][] = [];
    const acked: number[] = [];
    const batcher = createBatcher({
      maxEvents: 7,
      maxBytes: 1 << 20,
      lingerMs: 1000,
      maxInflightBytes: 1 << 30,
      maxConcurrent: 1,
      send: async (batch) => void sent.push(batch.map((e) => e.value.toString())),
    });
    const acks = { ack: (t: number) => acked.push(t) };
    for (let i = 0; i < 10_000; i++) batcher.add({ key: 'h', value: Buffer.from(String(i)), acks, ticket: i });
    const flushed = batcher.flush();
    await vi.advanceTimersByTimeAsync(100_000);
    await flushed;
    expect(sent.flat()).toEqual(Array.from({ length: 10_000 }, (_, i) => String(i)));
    expect(sent.every((b) => b.length <= 7)).toBe(true);
    expect(acked).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(batcher.inflightEvents).toBe(0);
  });
});
