// The sink's pipeline between kafkajs and the batch handler. kafkajs fetches again only once every batch of the last
// fetch has returned from eachBatch, so a consumer that indexes inside eachBatch leaves Elasticsearch idle during each
// fetch and each commit. Here eachBatch only admits the batch (waiting while the bytes in hand are at the bound) and
// starts its work; the batches of one partition form a lane, worked on side by side, and the lane commits
// asynchronously past the longest run of done records from its head. The safety rules stay:
// - commit only past done records: a lane's commit never passes the first record of its oldest unfinished batch;
// - a batch given up while its partition is still ours (a refused heartbeat, say) breaks the lane: the partition is
//   paused, the lane's other batches are stopped, and the partition is sought back to its first record not done;
// - a rebalance or a crash ends the generation: every batch stops, what is done is still committed until the group
//   is joined again (then commits would carry the new generation for work of the old one), and kafkajs fetches the
//   partitions again from their committed offsets;
// - stop: no new batch is admitted, the batches in hand finish (or are aborted by the caller), their commits land.
import type { BatchControl, BatchHandler, InRecord } from './batch-types.js';

export interface LaneBatch {
  topic: string;
  partition: number;
  records: InRecord[];
  highWatermark: string;
  heartbeat: () => Promise<void>;
  /** kafkajs' isStale: a seek is pending for the partition. */
  isStale: () => boolean;
}

export interface LaneDeps {
  handler: BatchHandler;
  /** Record bytes (keys and values) in hand across all lanes above which no new batch is admitted. */
  maxInHandBytes: number;
  /** Commits `next` (the offset after the last done record); throws when refused. */
  commit: (topic: string, partition: number, next: string) => Promise<void>;
  onCommitted: (partition: number, offset: string, lag: number) => void;
  onCommitFailed: (partition: number, offset: string, err: unknown) => void;
  /** Whether a refusal means the group moved on (rebalance): the generation ends. */
  isGroupChange: (err: unknown) => boolean;
  pause: (topic: string, partition: number) => void;
  resume: (topic: string, partition: number) => void;
  seek: (topic: string, partition: number, offset: string) => void;
}

interface Task {
  first: bigint;
  last: bigint;
  /** Highest offset below which (inclusive) every record of this batch is done. */
  doneUpTo?: bigint;
  settled: boolean;
  highWatermark: string;
}

interface Lane {
  tasks: Task[];
  abort: AbortController;
  broken: boolean;
}

interface Generation {
  abort: AbortController;
  lanes: Map<number, Lane>;
  committed: Map<number, bigint>;
  chains: Map<number, Promise<void>>;
}

export interface Lanes {
  /** Waits for room, then starts the batch's work. False when it was not taken (stopping, rebalancing, stale). */
  submit(b: LaneBatch): Promise<boolean>;
  /** The group is rebalancing, or the consumer crashed: every batch in hand stops. */
  endGeneration(): void;
  /** The group was joined again: commits of the old generation's work stop. */
  newGeneration(): void;
  /** Takes no new batch; resolves once every batch in hand has returned and its commit has landed. */
  drain(): Promise<void>;
  readonly inHandBytes: number;
}

const bytesOf = (records: InRecord[]) => records.reduce((n, r) => n + (r.value?.length ?? 0) + (r.key?.length ?? 0), 0);

export function createLanes(d: LaneDeps): Lanes {
  let inHand = 0;
  let stopping = false;
  const wakers = new Set<() => void>();
  const running = new Set<Promise<void>>();
  const fresh = (): Generation => ({ abort: new AbortController(), lanes: new Map(), committed: new Map(), chains: new Map() });
  let gen = fresh();
  const wake = () => {
    for (const w of wakers) w();
    wakers.clear();
  };

  /** Serialised per partition and monotonic, so commits of two lanes of one partition never go backwards. */
  function commitPartition(g: Generation, topic: string, partition: number, next: bigint, hw: string) {
    if (next <= (g.committed.get(partition) ?? -1n)) return;
    const chain = (g.chains.get(partition) ?? Promise.resolve()).then(async () => {
      if (g !== gen || next <= (g.committed.get(partition) ?? -1n)) return;
      try {
        await d.commit(topic, partition, next.toString());
        g.committed.set(partition, next);
        d.onCommitted(partition, (next - 1n).toString(), Math.max(0, Number(BigInt(hw) - next)));
      } catch (err) {
        d.onCommitFailed(partition, (next - 1n).toString(), err);
        if (d.isGroupChange(err)) endGeneration();
      }
    });
    g.chains.set(partition, chain);
    running.add(chain);
    void chain.finally(() => running.delete(chain));
  }

  /** Commits past the lane's head batches that are done, and through the done prefix of the first that is not. */
  function advance(g: Generation, topic: string, partition: number, lane: Lane) {
    let upTo: bigint | undefined;
    let hw = '0';
    while (lane.tasks.length > 0) {
      const t = lane.tasks[0];
      if (t.doneUpTo !== undefined) {
        upTo = t.doneUpTo;
        hw = t.highWatermark;
      }
      if (!(t.settled && t.doneUpTo === t.last)) break;
      lane.tasks.shift();
    }
    if (upTo !== undefined) commitPartition(g, topic, partition, upTo + 1n, hw);
  }

  /** The first record of the lane that is not done, once every batch of the broken lane has returned. */
  function reseek(g: Generation, topic: string, partition: number, lane: Lane) {
    if (lane.tasks.some((t) => !t.settled)) return;
    const head = lane.tasks[0];
    if (g.lanes.get(partition) === lane) g.lanes.delete(partition);
    if (g === gen && !g.abort.signal.aborted && !stopping && head) {
      d.seek(topic, partition, (head.doneUpTo !== undefined ? head.doneUpTo + 1n : head.first).toString());
    }
    d.resume(topic, partition);
  }

  function start(g: Generation, lane: Lane, b: LaneBatch, bytes: number) {
    const t: Task = {
      first: BigInt(b.records[0].offset),
      last: BigInt(b.records[b.records.length - 1].offset),
      settled: false,
      highWatermark: b.highWatermark,
    };
    lane.tasks.push(t);
    const done = (offset: string) => {
      const o = BigInt(offset);
      if (t.doneUpTo === undefined || o > t.doneUpTo) t.doneUpTo = o;
    };
    const ctl: BatchControl = {
      heartbeat: async () => {
        try {
          await b.heartbeat();
        } catch (err) {
          if (d.isGroupChange(err)) endGeneration();
          throw err;
        }
      },
      active: () => !g.abort.signal.aborted && !lane.abort.signal.aborted && !b.isStale(),
      commit: async (offset) => {
        done(offset);
        if (!lane.broken) advance(g, b.topic, b.partition, lane);
      },
      signal: AbortSignal.any([g.abort.signal, lane.abort.signal]),
    };
    const work = d
      .handler(b.topic, b.partition, b.records, ctl)
      .then(
        (res) => {
          if (res.commitUpTo !== undefined) done(res.commitUpTo);
        },
        () => undefined, // the handler reports its own faults; what it did not finish is not done
      )
      .finally(() => {
        t.settled = true;
        inHand -= bytes;
        wake();
        const complete = t.doneUpTo === t.last;
        if (!complete && !lane.broken && g === gen && !g.abort.signal.aborted && !stopping) {
          // Given up while the partition is still ours: stop the lane and fetch again from its first record not done.
          lane.broken = true;
          d.pause(b.topic, b.partition);
          lane.abort.abort();
        }
        if (lane.broken) {
          advance(g, b.topic, b.partition, lane);
          reseek(g, b.topic, b.partition, lane);
        } else advance(g, b.topic, b.partition, lane);
        running.delete(work);
      });
    running.add(work);
  }

  function endGeneration() {
    gen.abort.abort();
    wake();
  }

  return {
    get inHandBytes() {
      return inHand;
    },
    async submit(b) {
      const g = gen;
      const bytes = bytesOf(b.records);
      const refused = () => stopping || g !== gen || g.abort.signal.aborted || b.isStale() || g.lanes.get(b.partition)?.broken === true;
      // Always room for one batch, however large: the bound must never stop the sink for good.
      while (!refused() && inHand > 0 && inHand + bytes > d.maxInHandBytes) {
        await new Promise<void>((resolve) => {
          wakers.add(resolve);
          setTimeout(resolve, 100).unref(); // re-check the generation and the stale flag now and then
        });
      }
      if (refused()) return false;
      let lane = g.lanes.get(b.partition);
      if (!lane) g.lanes.set(b.partition, (lane = { tasks: [], abort: new AbortController(), broken: false }));
      inHand += bytes;
      start(g, lane, b, bytes);
      return true;
    },
    endGeneration,
    newGeneration() {
      endGeneration();
      gen = fresh();
    },
    async drain() {
      stopping = true;
      wake();
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
