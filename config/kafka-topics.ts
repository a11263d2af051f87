// kafka.topics: how logship creates its topics (replication), in a module of its own beside config/schema.ts.
// Plain schema nodes (only types come from schema.ts), so schema.ts can import it without a cycle at run time.
import type { IntLeaf, ObjectNode } from './schema.js';

export const kafkaTopicsSchema: ObjectNode<{ replication_factor: IntLeaf; min_insync_replicas: IntLeaf }> = {
  kind: 'object',
  description: 'Replication of the topics logship creates (the topic and the DLQ topic; existing topics are left as they are).',
  fields: {
    replication_factor: {
      kind: 'int',
      default: -1,
      min: -1,
      description:
        "Replicas per partition. -1: the brokers' default.replication.factor (3 on `stack up --kafka-brokers 3`). Use 3 on a production cluster.",
    },
    min_insync_replicas: {
      kind: 'int',
      default: 0,
      min: 0,
      description:
        "min.insync.replicas of the created topics: with acks=-1 a write is acknowledged only once this many replicas have it. 0: the brokers' default (2 on the three-broker stack). Use 2 with replication_factor 3.",
    },
  },
};
