// kafkajs' per-partition grouping in one pass (kafka/kafkajs-preload.ts): the same groups in the same order as
// kafkajs' own on random input, in place once our producer module is loaded, and imported first by every module of
// ours that imports kafkajs, so that it runs before kafkajs is loaded.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKafkaProducer } from '../../kafka/producer.js';
import { groupInOnePass, kafkajsGroupsInOnePass, originalGrouping } from '../../kafka/kafkajs-preload.js';
import { rng } from '../support/rng.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('kafkajs grouping in one pass', () => {
  it('gives the groups kafkajs gives, for 200 random sends', () => {
    const r = rng(5);
    for (let n = 0; n < 200; n++) {
      const partitions = Math.floor(r() * 5);
      const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({ partitionId: i }));
      const messages = Array.from({ length: Math.floor(r() * 300) }, (_, i) => ({ key: `k${Math.floor(r() * 7)}`, i }));
      const partitioner = ({ message }: { message: unknown }) =>
        Number((message as { key: string }).key.slice(1)) % Math.max(1, partitions);
      const args = { topic: 't', partitionMetadata, messages, partitioner };
      expect(groupInOnePass(args)).toEqual(originalGrouping()(args));
    }
  });

  it('is what kafkajs uses once our producer module is loaded', () => {
    expect(typeof createKafkaProducer).toBe('function');
    expect(kafkajsGroupsInOnePass()).toBe(true);
  });

  it('is imported first by every module of ours that imports kafkajs', () => {
    const dirs = ['kafka', 'agent', 'sink', 'cli', 'common', 'search', 'ui', 'config'];
    const files = dirs.flatMap((d) =>
      fs.existsSync(path.join(ROOT, d))
        ? fs.readdirSync(path.join(ROOT, d), { recursive: true, encoding: 'utf8' }).map((f) => path.join(d, f))
        : [],
    );
    const importers = files.filter(
      (f) => f.endsWith('.ts') && /^import (?!type )[^;]*from 'kafkajs';/m.test(fs.readFileSync(path.join(ROOT, f), 'utf8')),
    );
    expect(importers.length).toBeGreaterThan(3);
    for (const f of importers) {
      const first = fs
        .readFileSync(path.join(ROOT, f), 'utf8')
        .split('\n')
        .find((l) => l.startsWith('import '));
      const rel = path.relative(path.dirname(f), 'kafka/kafkajs-preload.js');
      expect(first, f).toBe(`import '${rel.startsWith('.') ? rel : `./${rel}`}';`);
    }
  });
});
