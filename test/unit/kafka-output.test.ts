// The agent's producer side: one connect shared by concurrent sends; a new producer after five failures in a
// row or one failure retrying will not fix, never while it is not connected.
import { describe, expect, it } from 'vitest';
import { createKafkaOutput } from '../../agent/pipeline/kafka-output.js';
import { KAFKAJS_MESSAGES_PER_SEND, pieces, sendInOrder, type Producer } from '../../kafka/producer.js';

function fakes(opts: { connectFails?: boolean } = {}) {
  const producers: Array<{ connects: number; sends: number; disconnected: boolean }> = [];
  const events: string[] = [];
  const makeProducer = (): Producer => {
    const p = { connects: 0, sends: 0, disconnected: false };
    producers.push(p);
    return {
      async connect() {
        p.connects++;
        await Promise.resolve();
        if (opts.connectFails) throw Object.assign(new Error('ECONNREFUSED'), { retriable: true });
      },
      async send() {
        p.sends++;
      },
      async disconnect() {
        p.disconnected = true;
      },
    };
  };
  const metrics = {
    produceFailed: (_e: unknown, attempt: number) => void events.push(`failed ${attempt}`),
    producerRebuilt: () => void events.push('rebuilt'),
    kafkaUnreachable: () => void events.push('unreachable'),
  };
  return { producers, events, makeProducer, metrics };
}

const batch = [{ key: 'h', value: Buffer.from('x'), acks: { ack: () => undefined }, ticket: 0 }];
const retriable = Object.assign(new Error('leader not available'), { retriable: true });
const fatalNever = () => false;

describe('kafka output', () => {
  it('concurrent sends share one connect', async () => {
    const f = fakes();
    const out = createKafkaOutput({ topic: 'logs', makeProducer: f.makeProducer, metrics: f.metrics, fatal: fatalNever });
    expect(out.connected).toBe(false);
    await Promise.all([out.send(batch), out.send(batch), out.send(batch)]);
    expect(f.producers).toHaveLength(1);
    expect(f.producers[0]).toMatchObject({ connects: 1, sends: 3 });
    expect(out.connected).toBe(true);
  });

  it('rebuilds the producer at every fifth failure in a row, and at once for a non-retriable one', async () => {
    const f = fakes();
    const out = createKafkaOutput({ topic: 'logs', makeProducer: f.makeProducer, metrics: f.metrics, fatal: fatalNever });
    await out.send(batch);
    for (let n = 1; n <= 4; n++) await out.failed(retriable, n, 1);
    expect(f.producers).toHaveLength(1);
    await out.failed(retriable, 5, 1);
    expect(f.producers).toHaveLength(2);
    expect(f.producers[0].disconnected).toBe(true);
    expect(out.connected).toBe(false);
    expect(f.events.slice(-2)).toEqual(['failed 5', 'rebuilt']);
    // Not connected: nothing to rebuild (the new producer has not been tried yet).
    await out.failed(Object.assign(new Error('bad'), { retriable: false }), 1, 1);
    expect(f.producers).toHaveLength(2);
    await out.send(batch); // the new producer connects on its first send
    expect(f.producers[1]).toMatchObject({ connects: 1, sends: 1 });
    await out.failed(Object.assign(new Error('bad'), { retriable: false }), 1, 1);
    expect(f.producers).toHaveLength(3);
  });

  it('an early connect that fails is reported, unless it is fatal (reported there)', async () => {
    const f = fakes({ connectFails: true });
    createKafkaOutput({ topic: 'logs', makeProducer: f.makeProducer, metrics: f.metrics, fatal: fatalNever }).connectEarly();
    const g = fakes({ connectFails: true });
    createKafkaOutput({ topic: 'logs', makeProducer: g.makeProducer, metrics: g.metrics, fatal: () => true }).connectEarly();
    await new Promise((r) => setImmediate(r));
    expect(f.events).toEqual(['unreachable']);
    expect(g.events).toEqual([]);
  });
});

describe('kafkajs pieces per send', () => {
  it('cuts a batch into consecutive pieces of at most KAFKAJS_MESSAGES_PER_SEND, nothing lost or reordered', () => {
    expect(pieces([1, 2, 3], 5)).toEqual([[1, 2, 3]]);
    const all = Array.from({ length: 2001 }, (_, i) => i);
    const parts = pieces(all, KAFKAJS_MESSAGES_PER_SEND);
    expect(parts.every((p) => p.length <= KAFKAJS_MESSAGES_PER_SEND && p.length > 0)).toBe(true);
    expect(parts.flat()).toEqual(all);
  });

  it('sends the pieces one at a time, in order, and stops at the first that fails', async () => {
    const started: number[] = [];
    const pending: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
    const send = (part: number[]) =>
      new Promise<void>((resolve, reject) => {
        started.push(part[0]);
        pending.push({ resolve, reject });
      });
    const done = sendInOrder([[1], [2], [3]], send);
    const tick = () => new Promise((r) => setImmediate(r));
    await tick();
    expect(started).toEqual([1]); // the second waits for the first's acknowledgement
    pending[0].resolve();
    await tick();
    expect(started).toEqual([1, 2]);
    pending[1].reject(new Error('NOT_ENOUGH_REPLICAS'));
    await expect(done).rejects.toThrow('NOT_ENOUGH_REPLICAS');
    expect(started).toEqual([1, 2]); // nothing after a failed piece: the batch is retried whole, in order
  });
});
