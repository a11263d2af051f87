// kafka.topics: how logship creates its topics (replication), in a module of its own beside config/schema.ts.
// Plain schema nodes written out (`as const` keeps their kinds for ValueOf): importing schema.ts's helpers or
// types here would be an import cycle.
export const kafkaTopicsSchema = {
  kind: 'object' as const,
  description: 'Replication of the topics logship creates (the topic and the DLQ topic; existing topics are left as they are).',
  fields: {
    replication_factor: {
      kind: 'int' as const,
      default: -1,
      min: -1,
      description:
        "Replicas per partition. -1: the brokers' default.replication.factor (3 on `stack up --kafka-brokers 3`). Use 3 on a production cluster.",
    },
    min_insync_replicas: {
      kind: 'int' as const,
      default: 0,
      min: 0,
      description:
        "min.insync.replicas of the created topics: with acks=-1 a write is acknowledged only once this many replicas have it. 0: the brokers' default (2 on the three-broker stack). Use 2 with replication_factor 3.",
    },
  },
};
