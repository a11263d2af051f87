// Runs before kafkajs is first loaded: every module of ours that imports kafkajs imports this one first (a test
// holds them to it), and ES modules run their imports in order. kafkajs 2.2.4 groups a send's messages per
// partition with a spread per message (src/producer/groupMessagesPerPartition.js: `[...current, message]`),
// quadratic in the messages of one partition, and one host's lines all go to one partition. Its producer module
// takes that function when it is loaded, so it can only be replaced before: here, in Node's require cache, by the
// same grouping in one pass (same partitions, same order; a test compares the two on random input).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

type Group = ((args: GroupArgs) => Record<number, unknown[]>) & { [ORIGINAL]?: Group };
interface GroupArgs {
  topic: string;
  partitionMetadata: unknown[];
  messages: unknown[];
  partitioner: (a: { topic: string; partitionMetadata: unknown[]; message: unknown }) => number;
}

const ORIGINAL = Symbol.for('logship.kafkajs.groupMessagesPerPartition');
const GROUP = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
const SEND = require.resolve('kafkajs/src/producer/sendMessages.js');

/** kafkajs' grouping without the copy per message. */
export const groupInOnePass: Group = ({ topic, partitionMetadata, messages, partitioner }) => {
  const result: Record<number, unknown[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (result[partition] ??= []).push(message);
  }
  return result;
};

function install(): void {
  const loaded = require.cache[GROUP]?.exports as Group | undefined;
  if (loaded?.[ORIGINAL] || require.cache[SEND]) return; // in place already, or too late
  const original = require(GROUP) as Group;
  const cached = require.cache[GROUP];
  if (!cached) return;
  groupInOnePass[ORIGINAL] = original;
  cached.exports = groupInOnePass;
}
install();

/** Whether kafkajs' producer groups with groupInOnePass (false: kafkajs was loaded before this module). */
export function kafkajsGroupsInOnePass(): boolean {
  const inUse = require.cache[GROUP]?.exports as Group | undefined;
  return Boolean(inUse?.[ORIGINAL]) && Boolean(require.cache[SEND]);
}

/** kafkajs' own grouping, for the test that compares them. */
export function originalGrouping(): Group {
  const inUse = require(GROUP) as Group;
  return inUse[ORIGINAL] ?? inUse;
}
