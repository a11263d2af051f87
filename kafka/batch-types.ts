// What the group consumer hands the sink: records of one partition batch, and the controls that go with them.
import type { BatchRefusal } from './refused-batch.js';

export interface InRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Set when the record's compressed batch was not decompressed (too large, or corrupt): key and value are empty. */
  refused?: BatchRefusal;
}

export interface BatchControl {
  /** Keeps the group membership alive while the batch is worked on. Throws when the group is rebalancing. */
  heartbeat(): Promise<void>;
  /** False once the batch's partition was reassigned (seek/stale): its work must stop and not be committed. */
  active(): boolean;
  /**
   * Commits the partition past `offset` (a record of this batch; every record up to it must be done) while the batch
   * is still being worked on, so a long batch does not have to be redone whole after a crash. Throws when refused.
   */
  commit(offset: string): Promise<void>;
  /** Aborted the moment the batch's work must stop (rebalance, crash, an earlier batch of its partition given up). */
  signal?: AbortSignal;
}

export type BatchHandler = (topic: string, partition: number, records: InRecord[], ctl: BatchControl) => Promise<{ commitUpTo?: string }>;
