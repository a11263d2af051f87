// Fixes to kafkajs 2.2.4 (the last release; the project is in maintenance), applied at the first client we make.
// First, its RequestQueue. Each connection's queue re-arms a timer after every check of its pending requests;
// with nothing pending and no throttle, the delay it computes is `throttledUntil (-1) - Date.now()`, negative, so
// Node runs it after 1 ms: every open connection wakes the process about a thousand times a second, forever
// (kafkajs issues #1556 and #1704, PRs #1667 and #1768, open). Measured here: an idle agent made 1,700 epoll
// wake-ups a second and used 4.2 % of a core doing nothing. The fix is the one proposed in #1768's review: with
// nothing pending and no throttle in the future, arm nothing; a new request or a response checks the queue
// anyway (push and fulfillRequest call checkPendingRequests).
// Second, the same queue checks its requests for a timeout every 100 ms (min(requestTimeout, 100)), idle or not:
// ten wake-ups a second per connection. Checked every second instead, a request that timed out (30 s by default)
// is failed at most a second late.
// Third, its Encoder grows by allocating a zero-filled buffer and copying into it; nothing reads past the written
// part (`buffer` is `buf.slice(0, offset)`), so the zero fill is work for nothing: Buffer.allocUnsafe instead. A
// single write of 64 KiB or more (a request's header encoder taking its payload, twice per request) grows it to
// exactly what it needs instead of the next power of two: a 370 KB request no longer leaves two 512 KB buffers
// for the garbage collector. And the produce request is encoded in one pass (kafkajs-produce.ts).
import { createRequire } from 'node:module';
import { installFastProduce } from './kafkajs-produce.js';

/** kafkajs' own value (src/network/requestQueue/index.js), not exported. */
const CHECK_PENDING_REQUESTS_INTERVAL = 10;

/** How often a connection looks for requests past their timeout (kafkajs: 100 ms). */
const REQUEST_TIMEOUT_CHECK_MS = 1000;

interface RequestQueueShape {
  enforceRequestTimeout: boolean;
  requestTimeout: number;
  requestTimeoutIntervalId: NodeJS.Timeout | undefined;
  inflight: Map<number, { sentAt: number; requestTimeout: number; timeoutRequest(): void }>;
  isConnected(): boolean;
  destroy(): void;
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
  scheduleRequestTimeoutCheck(): void;
}

interface EncoderShape {
  buf: Buffer;
  offset: number;
  ensureAvailable(length: number): void;
}

/** A single write at least this large grows the buffer to exactly what it needs, not to the next power of two. */
const EXACT_GROWTH_BYTES = 64 * 1024;

let patched = false;

export function patchKafkajs(): void {
  if (patched) return;
  patched = true;
  const require = createRequire(import.meta.url);
  const Encoder = require('kafkajs/src/protocol/encoder.js') as { prototype: EncoderShape; nextPowerOfTwo(n: number): number };
  Encoder.prototype.ensureAvailable = function ensureAvailable(this: EncoderShape, length: number) {
    if (this.offset + length <= this.buf.length) return;
    const need = this.offset + length;
    const grown = Buffer.allocUnsafe(length >= EXACT_GROWTH_BYTES ? need : Encoder.nextPowerOfTwo(need));
    this.buf.copy(grown, 0, 0, this.offset);
    this.buf = grown;
  };
  installFastProduce();
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueShape };
  RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueShape) {
    if (this.throttleCheckTimeoutId) return;
    let scheduleAt = this.throttledUntil - Date.now();
    if (this.pending.length > 0) scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL;
    else if (scheduleAt <= 0) return;
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, scheduleAt);
  };
  RequestQueue.prototype.scheduleRequestTimeoutCheck = function scheduleRequestTimeoutCheck(this: RequestQueueShape) {
    if (!this.enforceRequestTimeout) return;
    this.destroy();
    this.requestTimeoutIntervalId = setInterval(
      () => {
        this.inflight.forEach((request) => {
          if (Date.now() - request.sentAt > request.requestTimeout) request.timeoutRequest();
        });
        if (!this.isConnected()) this.destroy();
      },
      Math.min(this.requestTimeout, REQUEST_TIMEOUT_CHECK_MS),
    );
  };
}

/** For a test: is the fix in place. */
export const kafkajsPatched = () => patched;
