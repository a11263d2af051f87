// Which Kafka client the agent produces with (kafka.producer): both behind the one Producer interface.
// @platformatic/kafka is loaded only by the agents that chose it: importing it costs about 45 MB of resident memory
// (measured: a Node process at 42 MB grows to 87 MB), which an agent on kafkajs would carry idle for nothing.
import type { Logger } from '../common/logger.js';
import type { Compression } from './codecs.js';
import type { KafkaClientOptions } from './options.js';
import { createKafkaProducer, type Producer } from './producer.js';

export type ProducerKind = 'kafkajs' | 'platformatic';

let platformatic: typeof import('./platformatic-producer.js') | undefined;

/**
 * Loads the chosen client before the agent starts (cli/agent.ts, cli/run.ts): importing @platformatic/kafka took
 * seconds on a loaded machine, and a `--stdin` agent whose input ended at once spent its shutdown grace waiting
 * for the import instead of for Kafka. Nothing to do for kafkajs (always loaded).
 */
export async function preloadProducer(kind: ProducerKind): Promise<void> {
  if (kind === 'platformatic') platformatic ??= await import('./platformatic-producer.js');
}

export function createProducerOf(kind: ProducerKind, opts: KafkaClientOptions, log: Logger, compression: Compression = 'none'): Producer {
  if (kind !== 'platformatic') return createKafkaProducer(opts, log, compression);
  return platformatic ? platformatic.createPlatformaticProducer(opts, log, compression) : lazyPlatformaticProducer(opts, log, compression);
}

/** The platformatic producer, created at the first connect or send: one import and one producer for all callers. */
function lazyPlatformaticProducer(opts: KafkaClientOptions, log: Logger, compression: Compression): Producer {
  let loading: Promise<Producer> | undefined;
  const producer = () =>
    (loading ??= import('./platformatic-producer.js').then((m) => m.createPlatformaticProducer(opts, log, compression)));
  return {
    connect: async () => (await producer()).connect(),
    send: async (topic, messages) => (await producer()).send(topic, messages),
    disconnect: async () => {
      if (loading) await (await loading).disconnect();
    },
  };
}
