// The one place a kafkajs client is made: our options, our log adapter, and retries short enough that our own
// loops (which retry forever with backoff) regain control.
import './kafkajs-preload.js';
import { Kafka, logLevel } from 'kafkajs';
import type { Logger } from '../common/logger.js';
import { patchKafkajs } from './kafkajs-patches.js';
import { kafkaLogCreator } from './log-adapter.js';
import type { KafkaClientOptions } from './options.js';

export type KafkaRetry = { retries: number; initialRetryTime: number; maxRetryTime: number };

const DEFAULT_RETRY: KafkaRetry = { retries: 5, initialRetryTime: 300, maxRetryTime: 5000 };

/** `log` undefined: a short-lived tool client that logs nothing of its own (the topic reader). */
export function createKafka(opts: KafkaClientOptions, log: Logger | undefined, retry: KafkaRetry = DEFAULT_RETRY): Kafka {
  patchKafkajs();
  return new Kafka({
    ...opts,
    logLevel: log ? logLevel.WARN : logLevel.NOTHING,
    ...(log ? { logCreator: kafkaLogCreator(log) } : {}),
    retry,
  } as ConstructorParameters<typeof Kafka>[0]);
}
