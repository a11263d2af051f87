// Kafka failures classified: retriable, a group change, or one retrying cannot fix (credentials, trust), and our
// typed error for each. Branches on error names and codes, never on message text.
import { LogshipError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';

/** kafkajs errors carry `retriable`; anything without it (a socket error) is worth another try. */
export function isRetriableKafkaError(err: unknown): boolean {
  const e = err as { retriable?: boolean; name?: string };
  if (e && typeof e.retriable === 'boolean')
    return e.retriable || e.name === 'KafkaJSNumberOfRetriesExceeded' || e.name === 'KafkaJSConnectionError';
  return true;
}

/** Node's codes for a peer certificate that failed verification (tls.connect's authorizationError). */
const TLS_TRUST_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Why Kafka will never take us with this config, or undefined when retrying may help. kafkajs gives up at once on a
 * refused login (non-retriable), but reports an untrusted certificate as a retriable connection error: both are
 * found by error name and code along the cause chain (KafkaJSNumberOfRetriesExceeded wraps the last error).
 */
export function kafkaAuthProblem(err: unknown): string | undefined {
  for (
    let e = err as { name?: string; code?: string; message?: string; cause?: unknown } | undefined, depth = 0;
    e && depth < 8;
    e = e.cause as typeof e, depth++
  ) {
    if (e.name === 'KafkaJSSASLAuthenticationError')
      return `authentication failed (${e.message}): check kafka.sasl.mechanism, username and password`;
    if (e.code && TLS_TRUST_CODES.has(e.code)) return `the broker's TLS certificate is not trusted (${e.code}): check kafka.tls.ca_file`;
  }
  return undefined;
}

/**
 * For the agent and the sink: a function that tells whether `err` is one retrying cannot fix (refused
 * credentials, an untrusted certificate), logging it and calling `onFatal` the first time only.
 */
export function fatalKafkaReporter(brokers: string[], log: Logger, onFatal?: (e: LogshipError) => void): (err: unknown) => boolean {
  let raised = false;
  return (err) => {
    if (!kafkaAuthProblem(err)) return false;
    if (!raised) {
      raised = true;
      const e = kafkaError(err, brokers);
      log.error({ code: e.code }, e.message);
      onFatal?.(e);
    }
    return true;
  };
}

/** A Kafka failure as our error: KAFKA_AUTH (exit 78, not retried) when the config is the problem, else UNAVAILABLE. */
export function kafkaError(err: unknown, brokers: string[]): LogshipError {
  if (err instanceof LogshipError) return err;
  const auth = kafkaAuthProblem(err);
  if (auth) return new LogshipError('LOGSHIP_ERR_KAFKA_AUTH', `Kafka at ${brokers.join(',')}: ${auth}`, { cause: err });
  return new LogshipError('LOGSHIP_ERR_KAFKA_UNAVAILABLE', `Kafka at ${brokers.join(',')}: ${(err as Error).message}`, {
    retriable: true,
    cause: err,
  });
}

export type KafkaErr = Error & { type?: string; retriable?: boolean; cause?: unknown };

/** The innermost error of a kafkajs cause chain (KafkaJSNumberOfRetriesExceeded wraps the last attempt's). */
export function rootCause(err: unknown): KafkaErr {
  let e = err as KafkaErr;
  while (e && e.cause && e.cause !== e) e = e.cause as KafkaErr;
  return e;
}

/** Errors that mean "this member's generation is over": the runner rejoins on these, and retrying cannot help. */
export function isGroupChange(e: KafkaErr): boolean {
  return ['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR_FOR_GROUP', 'FENCED_INSTANCE_ID'].includes(
    e?.type ?? '',
  );
}

/** Kafka refused a record or batch as larger than the topic or broker takes: sending the same again cannot help. */
export function isTooLargeForKafka(err: unknown): boolean {
  for (let e = err as KafkaErr | undefined, depth = 0; e && depth < 8; e = e.cause as KafkaErr | undefined, depth++)
    if (e.type === 'MESSAGE_TOO_LARGE' || e.type === 'RECORD_LIST_TOO_LARGE') return true;
  return false;
}
