// The sink's pipeline of partition batches (kafka/partition-lanes.ts): batches of a partition worked on side by side,
// commits only past the done prefix of the lane, a given-up batch seeks back, a rebalance stops every batch and no
// old work commits after the rejoin, the bytes in hand are bounded, and drain waits for everything.
import { describe, expect, it } from 'vitest';
import type { BatchControl, InRecord } from '../../kafka/batch-types.js';
import { createLanes, type LaneBatch } from '../../kafka/partition-lanes.js';

const recs = (first: number, n: number, bytes = 100): InRecord[] =>
  Array.from({ length: n }, (_, i) => ({ partition: 0, offset: String(first + i), key: null, value: Buffer.alloc(bytes) }));

interface Held {
  records: InRecord[];
  ctl: BatchControl;
  finish: (upTo?: string) => void;
}

function harness(maxInHandBytes = 1_000_000) {
  const held: Held[] = [];
  const commits: string[] = [];
  const calls: string[] = [];
  let refuseCommit = false;
  const lanes = createLanes({
    handler: (_t, _p, records, ctl) =>
      new Promise((resolve) => held.push({ records, ctl, finish: (upTo) => resolve({ commitUpTo: upTo }) })),
    maxInHandBytes,
    commit: async (_t, p, next) => {
      if (refuseCommit) throw Object.assign(new Error('rebalancing'), { type: 'REBALANCE_IN_PROGRESS' });
      commits.push(`${p}:${next}`);
    },
    onCommitted: () => undefined,
    onCommitFailed: () => undefined,
    isGroupChange: (e) => (e as { type?: string })?.type === 'REBALANCE_IN_PROGRESS',
    pause: (_t, p) => void calls.push(`pause ${p}`),
    resume: (_t, p) => void calls.push(`resume ${p}`),
    seek: (_t, p, o) => void calls.push(`seek ${p} ${o}`),
  });
  const batch = (records: InRecord[], partition = 0): LaneBatch => ({
    topic: 'logs',
    partition,
    records: records.map((r) => ({ ...r, partition })),
    highWatermark: '1000',
    heartbeat: async () => undefined,
    isStale: () => false,
  });
  const settle = () => new Promise((r) => setTimeout(r, 5));
  return { lanes, held, commits, calls, batch, settle, refuse: (v: boolean) => (refuseCommit = v) };
}

describe('partition lanes', () => {
  it('works on the next batch of a partition while the first is in hand, and commits only past the done prefix', async () => {
    const h = harness();
    expect(await h.lanes.submit(h.batch(recs(0, 3)))).toBe(true);
    expect(await h.lanes.submit(h.batch(recs(3, 3)))).toBe(true);
    expect(h.held).toHaveLength(2); // both started: the second did not wait for the first
    h.held[1].finish('5');
    await h.settle();
    expect(h.commits).toEqual([]); // the first batch is not done: nothing may be committed past it
    await h.held[0].ctl.commit('1'); // progress of the first batch
    await h.settle();
    expect(h.commits).toEqual(['0:2']);
    h.held[0].finish('2');
    await h.settle();
    expect(h.commits).toEqual(['0:2', '0:6']);
    await h.lanes.drain();
  });

  it('a batch given up while its partition is still ours: pause, stop the lane, seek to the first record not done', async () => {
    const h = harness();
    await h.lanes.submit(h.batch(recs(10, 4)));
    await h.lanes.submit(h.batch(recs(14, 4)));
    h.held[0].finish('11'); // 10 and 11 done, 12 and 13 not
    await h.settle();
    expect(h.calls).toEqual(['pause 0']);
    expect(h.held[1].ctl.signal?.aborted).toBe(true);
    expect(h.held[1].ctl.active()).toBe(false);
    expect(await h.lanes.submit(h.batch(recs(18, 2)))).toBe(false); // the broken lane takes nothing new
    h.held[1].finish(undefined);
    await h.settle();
    expect(h.calls).toEqual(['pause 0', 'seek 0 12', 'resume 0']);
    expect(h.commits).toEqual(['0:12']);
    await h.lanes.drain();
  });

  it('a rebalance stops every batch; what finished before the rejoin commits, nothing of the old work after it', async () => {
    const h = harness();
    await h.lanes.submit(h.batch(recs(0, 2), 0));
    await h.lanes.submit(h.batch(recs(0, 2), 1));
    h.lanes.endGeneration();
    expect(h.held.every((x) => x.ctl.signal?.aborted)).toBe(true);
    expect(await h.lanes.submit(h.batch(recs(2, 2), 0))).toBe(false);
    h.held[0].finish('1');
    await h.settle();
    expect(h.commits).toEqual(['0:2']);
    h.lanes.newGeneration();
    h.held[1].finish('1');
    await h.settle();
    expect(h.commits).toEqual(['0:2']); // partition 1's old work would commit under the new generation: not sent
    expect(h.calls).toEqual([]); // no seek: kafkajs fetches again from the committed offsets
    expect(await h.lanes.submit(h.batch(recs(0, 2), 1))).toBe(true);
    h.held[2].finish('1');
    await h.lanes.drain();
    expect(h.commits).toEqual(['0:2', '1:2']);
  });

  it('a commit refused by a group change ends the generation', async () => {
    const h = harness();
    h.refuse(true);
    await h.lanes.submit(h.batch(recs(0, 2)));
    await h.lanes.submit(h.batch(recs(2, 2)));
    h.held[0].finish('1');
    await h.settle();
    expect(h.held[1].ctl.signal?.aborted).toBe(true);
    h.held[1].finish(undefined);
    await h.lanes.drain();
    expect(h.calls).toEqual([]);
  });

  it('bounds the bytes in hand (always admitting one batch), and drain waits for the batches in hand', async () => {
    const h = harness(500);
    expect(await h.lanes.submit(h.batch(recs(0, 8, 100)))).toBe(true); // 800 bytes: over the bound, but alone
    let second = false;
    const p = h.lanes.submit(h.batch(recs(8, 2, 100))).then((v) => (second = v));
    await h.settle();
    expect(second).toBe(false);
    expect(h.lanes.inHandBytes).toBe(800);
    h.held[0].finish('7');
    await p;
    expect(second).toBe(true);
    let drained = false;
    const d = h.lanes.drain().then(() => (drained = true));
    await h.settle();
    expect(drained).toBe(false);
    h.held[1].finish('9');
    await d;
    expect(h.commits.at(-1)).toBe('0:10');
    expect(await h.lanes.submit(h.batch(recs(10, 1)))).toBe(false); // stopping: nothing new
  });
});
