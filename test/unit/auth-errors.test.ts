// Refused credentials and untrusted certificates are config errors (exit 78, not retried); anything else about a
// service is "unavailable" (69, retried). The integration proof is test/integration/security.test.ts.
import { describe, expect, it } from 'vitest';
import { exitCodeFor, LogshipError } from '../../common/errors.js';
import { kafkaAuthProblem, kafkaError } from '../../kafka/errors.js';

/** The shapes kafkajs 2.2.4 throws (name, code, retriable, cause), without a broker. */
function kafkajsError(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, ...extra });
}

describe('kafka errors', () => {
  it('a refused SASL login is an auth problem naming the keys to check', () => {
    const e = kafkajsError('KafkaJSSASLAuthenticationError', 'SASL SCRAM SHA512 authentication failed: invalid credentials', {
      retriable: false,
    });
    expect(kafkaAuthProblem(e)).toBe(
      'authentication failed (SASL SCRAM SHA512 authentication failed: invalid credentials): check kafka.sasl.mechanism, username and password',
    );
    const le = kafkaError(e, ['k1:9094']);
    expect(le.code).toBe('LOGSHIP_ERR_KAFKA_AUTH');
    expect(le.retriable).toBe(false);
    expect(le.message).toMatch(/^Kafka at k1:9094: authentication failed/);
    expect(exitCodeFor(le)).toBe(78);
  });

  it('an untrusted certificate is found under the retries wrapper by its code', () => {
    const conn = kafkajsError('KafkaJSConnectionError', 'Connection error: self-signed certificate in certificate chain', {
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
      retriable: true,
    });
    const wrapped = kafkajsError('KafkaJSNumberOfRetriesExceeded', conn.message, { cause: conn, retriable: false });
    expect(kafkaAuthProblem(wrapped)).toBe(
      "the broker's TLS certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN): check kafka.tls.ca_file",
    );
    expect(kafkaError(wrapped, ['k1:9093']).code).toBe('LOGSHIP_ERR_KAFKA_AUTH');
    const altname = kafkajsError('KafkaJSConnectionError', 'Connection error: Hostname/IP does not match', {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    expect(kafkaAuthProblem(altname)).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  it('a broker that is away is unavailable and retriable', () => {
    const e = kafkajsError('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED 127.0.0.1:1', {
      code: 'ECONNREFUSED',
      retriable: true,
    });
    expect(kafkaAuthProblem(e)).toBeUndefined();
    const le = kafkaError(e, ['127.0.0.1:1']);
    expect(le.code).toBe('LOGSHIP_ERR_KAFKA_UNAVAILABLE');
    expect(le.retriable).toBe(true);
    expect(exitCodeFor(le)).toBe(69);
  });

  it('our own errors pass through unchanged', () => {
    const mine = new LogshipError('LOGSHIP_ERR_CONFIG_READ', 'kafka.tls.ca_file: cannot read /x: ENOENT');
    expect(kafkaError(mine, ['k:1'])).toBe(mine);
    expect(exitCodeFor(new LogshipError('LOGSHIP_ERR_ES_AUTH', 'x'))).toBe(78);
  });
});
