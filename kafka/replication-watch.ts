// Looks at the topic's replication (one short-lived admin client a round) and keeps what is wrong for /readyz:
// under-replicated partitions, and partitions that cannot take an acks=-1 write. Every `healthyMs` (30 s) while all
// is in sync, every `troubleMs` (5 s) while something is not: a connection, a metadata and a describeConfigs
// request every 5 s were most of an idle agent's CPU, and the urgent case (produce stalled) is seen by the
// producer itself (the batcher's stalledMs). A failed look keeps nothing: the producer's or consumer's own
// failure says then why Kafka is not usable.
import type { Logger } from '../common/logger.js';
import type { KafkaClientOptions } from './options.js';
import { describeReplication, replicationProblems, type ReplicationProblems, type TopicReplicationState } from './replication.js';

export interface ReplicationWatch {
  readonly problems: ReplicationProblems;
  stop(): void;
}

const NONE: ReplicationProblems = { blocking: [], degraded: [] };

export function watchReplication(
  opts: KafkaClientOptions,
  log: Logger,
  topic: string,
  { healthyMs = 30_000, troubleMs = 5000 }: { healthyMs?: number; troubleMs?: number } = {},
  describe: (o: KafkaClientOptions, l: Logger, t: string) => Promise<TopicReplicationState> = describeReplication,
): ReplicationWatch {
  let problems = NONE;
  let said = '';
  let running = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const next = () => {
    if (stopped) return;
    const wrong = problems.blocking.length + problems.degraded.length > 0;
    timer = setTimeout(() => void look(), wrong ? troubleMs : healthyMs);
    timer.unref();
  };
  const look = async () => {
    if (running) return;
    running = true;
    try {
      problems = replicationProblems(await describe({ ...opts, requestTimeout: Math.min(opts.requestTimeout, 5000) }, log, topic));
    } catch {
      problems = NONE;
    } finally {
      running = false;
    }
    const now = [...problems.blocking, ...problems.degraded].join('; ');
    if (now !== said) {
      if (now) log.warn({ event: 'kafka.replication_degraded', topic, problems: now }, `kafka: ${now}`);
      else if (said) log.info({ event: 'kafka.replication_restored', topic }, `kafka: every partition of ${topic} fully in sync again`);
      said = now;
    }
    next();
  };
  void look();
  return {
    get problems() {
      return problems;
    },
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
