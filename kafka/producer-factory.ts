// Which Kafka client the agent produces with (kafka.producer): both behind the one Producer interface.
import type { Logger } from '../common/logger.js';
import type { Compression } from './codecs.js';
import type { KafkaClientOptions } from './options.js';
import { createPlatformaticProducer } from './platformatic-producer.js';
import { createKafkaProducer, type Producer } from './producer.js';

export type ProducerKind = 'kafkajs' | 'platformatic';

export function createProducerOf(kind: ProducerKind, opts: KafkaClientOptions, log: Logger, compression: Compression = 'none'): Producer {
  return kind === 'platformatic' ? createPlatformaticProducer(opts, log, compression) : createKafkaProducer(opts, log, compression);
}
