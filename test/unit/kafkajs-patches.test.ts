// The kafkajs RequestQueue fixes (kafka/kafkajs-patches.ts): an idle queue arms no 1 ms timer loop, a queue with
// pending requests or a throttle still checks them, and request timeouts are looked for once a second; the
// Encoder grows without zero-filling, by powers of two for small writes and exactly for a large one.
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { patchKafkajs } from '../../kafka/kafkajs-patches.js';

const require = createRequire(import.meta.url);
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as new (o: object) => {
  pending: unknown[];
  throttledUntil: number;
  checkPendingRequests(): void;
  scheduleRequestTimeoutCheck(): void;
  destroy(): void;
};

const Encoder = require('kafkajs/src/protocol/encoder.js') as new () => {
  buf: Buffer;
  readonly buffer: Buffer;
  writeInt32(v: number): unknown;
  writeBuffer(b: Buffer): unknown;
};

const silent = { debug: () => undefined, warn: () => undefined, error: () => undefined, info: () => undefined };
const queue = () =>
  new RequestQueue({
    maxInFlightRequests: 1,
    requestTimeout: 30_000,
    enforceRequestTimeout: true,
    clientId: 't',
    broker: 'b',
    logger: silent,
    isConnected: () => true,
  });

afterEach(() => void vi.useRealTimers());

describe('kafkajs patches', () => {
  it('an idle queue (nothing pending, no throttle) arms no timer; pending requests or a throttle still do', () => {
    patchKafkajs();
    vi.useFakeTimers();
    const q = queue();
    q.checkPendingRequests();
    expect(vi.getTimerCount()).toBe(0); // kafkajs 2.2.4: a 1 ms timer that re-arms itself forever
    q.throttledUntil = Date.now() + 500;
    q.checkPendingRequests();
    expect(vi.getTimerCount()).toBe(1);
    q.destroy();
  });

  it('looks for timed-out requests every second, not every 100 ms', () => {
    patchKafkajs();
    vi.useFakeTimers();
    const every = vi.spyOn(globalThis, 'setInterval');
    const q = queue();
    q.scheduleRequestTimeoutCheck();
    expect(every.mock.calls.map((c) => c[1])).toEqual([1000]);
    q.destroy();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('grows an encoder to the next power of two for small writes, to exactly what a large one needs', () => {
    patchKafkajs();
    const e = new Encoder();
    e.writeInt32(7);
    const small = Buffer.alloc(600, 1);
    for (let i = 0; i < 3; i++) e.writeBuffer(small);
    expect(e.buf.length).toBe(2048);
    const large = Buffer.alloc(100_000, 2);
    e.writeBuffer(large);
    expect(e.buf.length).toBe(4 + 3 * 600 + 100_000);
    expect(e.buffer.equals(Buffer.concat([Buffer.from([0, 0, 0, 7]), small, small, small, large]))).toBe(true);
  });
});
