// The one-pass produce encoder (kafka/kafkajs-produce.ts) writes exactly the bytes kafkajs' own encoder writes, for
// random requests of the kind the agent sends; anything else is left to kafkajs; and once installed, kafkajs'
// produce requests of every version go through it. Its CRC-32C agrees with kafkajs' on random input.
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { crc32c } from '../../kafka/crc32c.js';
import { encodeProduce, fastProduceEncodes, fitsFastPath, originalProduceV3, type ProduceArgs } from '../../kafka/kafkajs-produce.js';
import { patchKafkajs } from '../../kafka/kafkajs-patches.js';
import { rng } from '../support/rng.js';

const require = createRequire(import.meta.url);
const kafkajsCrc = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;
const produce = require('kafkajs/src/protocol/requests/produce/index.js') as {
  protocol(v: { version: number }): (args: ProduceArgs) => { request: { encode(): Promise<{ buffer: Buffer }> } };
};
const Long = require('kafkajs/src/utils/long.js') as { fromInt(n: number): unknown };

afterEach(() => void vi.restoreAllMocks());

const NOW = 1_764_600_000_123;

function bytes(r: () => number, max: number): Buffer {
  const b = Buffer.allocUnsafe(Math.floor(r() * max));
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256);
  return b;
}

function text(r: () => number, max: number): string {
  const alphabet = ['a', 'Z', '0', ' ', '"', 'é', '日', '😀', '\n'];
  let s = '';
  for (let n = Math.floor(r() * max); n > 0; n--) s += alphabet[Math.floor(r() * alphabet.length)];
  return s;
}

function randomArgs(seed: number): ProduceArgs {
  const r = rng(seed);
  const key = (): Buffer | string | null => (r() < 0.15 ? null : r() < 0.5 ? text(r, 40) : bytes(r, 40));
  const value = (): Buffer | string | null => (r() < 0.05 ? null : r() < 0.2 ? text(r, 300) : bytes(r, 2_000));
  const topics = 1 + Math.floor(r() * 2);
  return {
    acks: r() < 0.8 ? -1 : 1,
    timeout: Math.floor(r() * 60_000),
    producerId: r() < 0.5 ? -1 : Long.fromInt(Math.floor(r() * 1000)),
    producerEpoch: Math.floor(r() * 3),
    compression: r() < 0.75 ? 0 : 1,
    topicData: Array.from({ length: topics }, (_, t) => ({
      topic: t === 0 ? 'logs' : text(r, 20) || 'x',
      partitions: Array.from({ length: 1 + Math.floor(r() * 3) }, (_, p) => ({
        partition: p * 3 + Math.floor(r() * 3),
        ...(r() < 0.3 ? { firstSequence: Math.floor(r() * 1e6) } : {}),
        messages: Array.from({ length: 1 + Math.floor(r() * 300) }, () => ({ key: key(), value: value() })),
      })),
    })),
  };
}

const kafkajsBytes = async (args: ProduceArgs) => (await originalProduceV3()(args).encode()).buffer;

describe('one-pass produce encoder', () => {
  it('writes the bytes kafkajs writes, for 60 random requests (keys, values, partitions, gzip)', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(NOW);
    for (let seed = 1; seed <= 60; seed++) {
      const args = randomArgs(seed);
      expect(fitsFastPath(args)).toBe(true);
      const ours = (await encodeProduce(args)).buffer;
      expect(ours.equals(await kafkajsBytes(args)), `seed ${seed}`).toBe(true);
    }
  });

  it('leaves requests with headers, timestamps or a transaction to kafkajs', () => {
    const base = randomArgs(7);
    const withMessage = (m: object): ProduceArgs => ({
      ...base,
      topicData: [{ topic: 'logs', partitions: [{ partition: 0, messages: [{ key: 'h', value: Buffer.from('v'), ...m }] }] }],
    });
    expect(fitsFastPath(withMessage({}))).toBe(true);
    expect(fitsFastPath(withMessage({ headers: {} }))).toBe(true);
    expect(fitsFastPath(withMessage({ headers: { a: 'b' } }))).toBe(false);
    expect(fitsFastPath(withMessage({ timestamp: '1' }))).toBe(false);
    expect(fitsFastPath(withMessage({ value: 12 }))).toBe(false);
    expect(fitsFastPath({ ...base, transactionalId: 'tx' })).toBe(false);
  });

  it('is what kafkajs uses for produce v3 to v7 once installed, headers or not', async () => {
    patchKafkajs();
    vi.spyOn(Date, 'now').mockReturnValue(NOW);
    const args = randomArgs(11);
    const withHeaders: ProduceArgs = {
      ...args,
      topicData: [{ topic: 'logs', partitions: [{ partition: 1, messages: [{ key: 'h', value: 'v', headers: { a: 'b' } }] }] }],
    };
    for (const version of [3, 4, 5, 6, 7]) {
      const before = fastProduceEncodes();
      const got = await produce.protocol({ version })(args).request.encode();
      expect(fastProduceEncodes()).toBe(before + 1);
      expect(got.buffer.equals(await kafkajsBytes(args))).toBe(true);
      const other = await produce.protocol({ version })(withHeaders).request.encode();
      expect(fastProduceEncodes()).toBe(before + 1);
      expect(other.buffer.equals(await kafkajsBytes(withHeaders))).toBe(true);
    }
  });
});

describe('crc32c', () => {
  it('agrees with kafkajs for random buffers, lengths and offsets', () => {
    const r = rng(42);
    for (let n = 0; n < 300; n++) {
      const b = bytes(r, n < 50 ? 20 : 5_000);
      const start = Math.floor(r() * (b.length + 1));
      const end = start + Math.floor(r() * (b.length - start + 1));
      expect(crc32c(b, start, end)).toBe(kafkajsCrc(b.subarray(start, end)));
    }
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283); // the CRC-32C check value
  });
});
