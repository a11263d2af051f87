// kafka.producer: platformatic cannot compress zstd where node:zlib has none (Node 20): refused at load time, so
// `logship validate` says so, naming the key, the Node version and what to use instead.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loader.js';
import { producerProblems, ZLIB_HAS_ZSTD } from '../../config/producer-check.js';
import { problems } from '../support/config-helpers.js';

const cfg = (producer: string, compression: string) =>
  loadConfig({
    text: `kafka: { producer: kafkajs }\nagent: { compression: ${compression === 'zstd' ? 'none' : compression} }`,
    sets: [`kafka.producer=${producer}`],
  });

describe('kafka.producer', () => {
  it('defaults to kafkajs and takes platformatic', () => {
    expect(loadConfig({ text: '' }).kafka.producer).toBe('kafkajs');
    expect(loadConfig({ text: 'kafka: { producer: platformatic }' }).kafka.producer).toBe('platformatic');
    expect(problems({ text: 'kafka: { producer: rdkafka }' })[0].path).toBe('kafka.producer');
  });

  it('platformatic with zstd is refused on a Node without zstd in zlib, saying why', () => {
    const c = { ...cfg('platformatic', 'none') };
    c.agent = { ...c.agent, compression: 'zstd' };
    const [p] = producerProblems(c, false, 'v20.20.2');
    expect(p.path).toBe('agent.compression');
    expect(p.reason).toMatch(/zstd is not available with kafka.producer: platformatic on Node v20.20.2/);
    expect(p.reason).toMatch(/node:zlib, which has zstd only from Node 22.15\. Use lz4, gzip or snappy, or kafka.producer: kafkajs/);
    expect(producerProblems(c, true)).toEqual([]);
    expect(producerProblems({ ...c, kafka: { ...c.kafka, producer: 'kafkajs' } }, false)).toEqual([]);
    for (const other of ['none', 'gzip', 'lz4'] as const)
      expect(producerProblems({ ...c, agent: { ...c.agent, compression: other } }, false)).toEqual([]);
  });

  it('loading the config refuses it on this Node when zlib has no zstd', () => {
    const text = 'kafka: { producer: platformatic }\nagent: { compression: zstd }';
    if (ZLIB_HAS_ZSTD) expect(loadConfig({ text }).agent.compression).toBe('zstd');
    else expect(problems({ text }).map((p) => p.path)).toEqual(['agent.compression']);
  });
});
