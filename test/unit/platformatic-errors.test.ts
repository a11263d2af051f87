// @platformatic/kafka's failures, in the shapes 1.35 throws them (the nesting seen against the stack's secured
// listeners), mapped so that kafka/errors.ts classifies them as it does kafkajs': retriable (retried forever), auth
// (exit 78, not retried), too large (the DLQ's fit), non-retriable (the producer is rebuilt).
import { AuthenticationError, MultipleErrors, NetworkError, ProtocolError, TimeoutError, UserError } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../common/errors.js';
import { isRetriableKafkaError, isTooLargeForKafka, kafkaAuthProblem, kafkaError } from '../../kafka/errors.js';
import { classifyPlatformaticError, fromPlatformaticError } from '../../kafka/platformatic-errors.js';

/** "metadata failed 2 times" of "Cannot connect to any broker" of `inner`, as 1.35 nests a failed connect. */
const nested = (inner: Error) =>
  new MultipleErrors('metadata failed 2 times.', [
    new MultipleErrors('Cannot connect to any broker.', [inner]),
    new MultipleErrors('Cannot connect to any broker.', [inner]),
  ]);

const refused = () =>
  nested(
    new NetworkError('Connection to 127.0.0.1:9 failed.', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    }),
  );
const badLogin = () =>
  nested(
    new NetworkError('Connection to 127.0.0.1:9103 failed.', {
      cause: new AuthenticationError('SASL authentication failed.', {
        cause: new MultipleErrors('Received response with error while executing API SaslAuthenticate(v2)', [
          new ProtocolError('SASL_AUTHENTICATION_FAILED'),
        ]),
      }),
    }),
  );

describe('@platformatic/kafka errors as kafka/errors.ts classifies them', () => {
  it('a broker that cannot be reached is retriable and "unavailable" (69)', () => {
    const e = fromPlatformaticError(refused());
    expect(e.name).toBe('KafkaJSConnectionError');
    expect(isRetriableKafkaError(e)).toBe(true);
    expect(kafkaAuthProblem(e)).toBeUndefined();
    const le = kafkaError(e, ['127.0.0.1:9']);
    expect(le.code).toBe('LOGSHIP_ERR_KAFKA_UNAVAILABLE');
    expect(le.retriable).toBe(true);
    expect(le.message).toMatch(/metadata failed 2 times.*Connection to 127\.0\.0\.1:9 failed/);
    expect(exitCodeFor(le)).toBe(69);
  });

  it('a refused login deep in the tree is an auth problem (78), not retried', () => {
    const e = fromPlatformaticError(badLogin());
    expect(classifyPlatformaticError(badLogin()).kind).toBe('auth');
    expect(e.retriable).toBe(false);
    expect(kafkaAuthProblem(e)).toMatch(/^authentication failed \(SASL authentication failed\.\): check kafka\.sasl\.mechanism/);
    const le = kafkaError(e, ['k:9103']);
    expect(le.code).toBe('LOGSHIP_ERR_KAFKA_AUTH');
    expect(exitCodeFor(le)).toBe(78);
  });

  it("an untrusted certificate (reported as a connect timeout, the verdict asked of the broker) is an auth problem with Node's code", () => {
    const timeout = new MultipleErrors('Cannot connect to any broker.', [new TimeoutError('Connection to 127.0.0.1:9102 timed out.')]);
    expect(fromPlatformaticError(timeout).name).toBe('KafkaJSRequestTimeoutError');
    expect(isRetriableKafkaError(fromPlatformaticError(timeout))).toBe(true);
    const e = fromPlatformaticError(timeout, 'SELF_SIGNED_CERT_IN_CHAIN');
    expect(kafkaAuthProblem(e)).toBe("the broker's TLS certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN): check kafka.tls.ca_file");
    expect(kafkaError(e, ['k:9102']).code).toBe('LOGSHIP_ERR_KAFKA_AUTH');
  });

  it("protocol errors keep Kafka's name as type and its retriable flag", () => {
    const tooLarge = fromPlatformaticError(new MultipleErrors('Producing messages failed.', [new ProtocolError('MESSAGE_TOO_LARGE')]));
    expect(tooLarge.type).toBe('MESSAGE_TOO_LARGE');
    expect(isTooLargeForKafka(tooLarge)).toBe(true);
    expect(isRetriableKafkaError(tooLarge)).toBe(false);
    const notLeader = fromPlatformaticError(new ProtocolError('NOT_LEADER_OR_FOLLOWER'));
    expect(notLeader.type).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(isRetriableKafkaError(notLeader)).toBe(true);
    expect(isTooLargeForKafka(notLeader)).toBe(false);
    const denied = fromPlatformaticError(new ProtocolError('TOPIC_AUTHORIZATION_FAILED'));
    expect(isRetriableKafkaError(denied)).toBe(false); // the agent rebuilds its producer, and keeps retrying
    expect(kafkaError(denied, ['k:1']).retriable).toBe(true);
  });

  it('the most telling error wins over the retries around it', () => {
    const mixed = new MultipleErrors('x', [refused(), new ProtocolError('NOT_ENOUGH_REPLICAS'), badLogin()]);
    expect(classifyPlatformaticError(mixed).kind).toBe('auth');
    expect(classifyPlatformaticError(new MultipleErrors('x', [refused(), new ProtocolError('NOT_ENOUGH_REPLICAS')]))).toMatchObject({
      kind: 'protocol',
      type: 'NOT_ENOUGH_REPLICAS',
      retriable: true,
    });
  });

  it('a usage error is not retriable (the producer is rebuilt); anything unknown is worth another try', () => {
    const user = fromPlatformaticError(new UserError('Unknown topic t.'));
    expect(user.name).toBe('KafkaJSNonRetriableError');
    expect(isRetriableKafkaError(user)).toBe(false);
    const odd = fromPlatformaticError(new Error('something else'));
    expect(isRetriableKafkaError(odd)).toBe(true);
    expect(kafkaAuthProblem(odd)).toBeUndefined();
    expect(fromPlatformaticError(odd)).toBe(odd);
  });
});
