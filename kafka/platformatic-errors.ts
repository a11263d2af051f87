// @platformatic/kafka's failures in the vocabulary kafka/errors.ts classifies (kafkajs' error names, `retriable`,
// the protocol error's `type`, Node's TLS code along the cause chain), so that the agent treats a failure the same
// whichever producer met it: retried forever when retrying may help, fatal (exit 78) on refused credentials or an
// untrusted certificate, rebuilt when the producer reports it cannot go on.
//
// @platformatic/kafka nests its errors: a MultipleErrors ("metadata failed 2 times") of MultipleErrors ("Cannot
// connect to any broker") of NetworkError ("Connection to ... failed") caused by an AuthenticationError caused by a
// ResponseError holding the ProtocolError SASL_AUTHENTICATION_FAILED. The most telling one found anywhere decides.

interface PltError {
  name?: string;
  message?: string;
  code?: string;
  apiId?: string;
  canRetry?: boolean;
  cause?: unknown;
  errors?: unknown[];
}

/** What one failure means, most telling first. */
export type PlatformaticFailure =
  | { kind: 'auth'; message: string }
  | { kind: 'tls'; code: string; message: string }
  | { kind: 'protocol'; type: string; retriable: boolean; message: string }
  | { kind: 'user'; message: string }
  | { kind: 'timeout'; message: string }
  | { kind: 'network'; message: string };

const RANK: Record<PlatformaticFailure['kind'], number> = { auth: 6, tls: 5, protocol: 4, user: 3, timeout: 2, network: 1 };

/** Every error of the tree: causes and aggregated errors, depth-first, bounded against a cycle. */
function* walk(err: unknown, depth = 0): Generator<PltError> {
  if (!err || typeof err !== 'object' || depth > 12) return;
  const e = err as PltError;
  yield e;
  if (Array.isArray(e.errors)) for (const x of e.errors) yield* walk(x, depth + 1);
  if (e.cause && e.cause !== e) yield* walk(e.cause, depth + 1);
}

function one(e: PltError): PlatformaticFailure | undefined {
  const message = e.message ?? 'unknown error';
  if (e.code === 'PLT_KFK_AUTHENTICATION' || e.apiId === 'SASL_AUTHENTICATION_FAILED') return { kind: 'auth', message };
  if (e.code === 'PLT_KFK_PROTOCOL' && e.apiId) return { kind: 'protocol', type: e.apiId, retriable: e.canRetry === true, message };
  if (e.code === 'PLT_KFK_USER') return { kind: 'user', message };
  if (e.code === 'PLT_KFK_TIMEOUT' || (e.code === 'PLT_KFK_NETWORK' && /timed out/i.test(message))) return { kind: 'timeout', message };
  if (e.code === 'PLT_KFK_NETWORK' || (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code))) return { kind: 'network', message };
  return undefined;
}

/** The most telling failure in `err`'s tree; a failure we do not recognise counts as a network one (worth a retry). */
export function classifyPlatformaticError(err: unknown): PlatformaticFailure {
  let best: PlatformaticFailure | undefined;
  for (const e of walk(err)) {
    const f = one(e);
    if (f && (!best || RANK[f.kind] > RANK[best.kind])) best = f;
  }
  return best ?? { kind: 'network', message: (err as Error)?.message ?? String(err) };
}

/** The error kafka/errors.ts reads: kafkajs' name for the kind, `retriable`, the protocol `type`, the original as cause. */
export class PlatformaticKafkaError extends Error {
  readonly retriable: boolean;
  readonly type?: string;
  readonly code?: string;
  constructor(name: string, message: string, o: { retriable: boolean; type?: string; code?: string; cause: unknown }) {
    super(message, { cause: o.cause });
    this.name = name;
    this.retriable = o.retriable;
    this.type = o.type;
    this.code = o.code;
  }
}

/**
 * `err` as kafkajs would have reported it. `tlsCode`: Node's verdict on the broker's certificate, asked separately
 * (@platformatic/kafka 1.x reports an untrusted certificate as a connection timeout, without the reason).
 */
export function fromPlatformaticError(err: unknown, tlsCode?: string): PlatformaticKafkaError {
  if (err instanceof PlatformaticKafkaError) return err;
  const f: PlatformaticFailure = tlsCode
    ? { kind: 'tls', code: tlsCode, message: `certificate not trusted: ${tlsCode}` }
    : classifyPlatformaticError(err);
  const top = (err as Error)?.message;
  const message = top && top !== f.message ? `${top}: ${f.message}` : f.message;
  switch (f.kind) {
    case 'auth':
      return new PlatformaticKafkaError('KafkaJSSASLAuthenticationError', f.message, { retriable: false, cause: err });
    case 'tls':
      return new PlatformaticKafkaError('KafkaJSConnectionError', message, { retriable: true, code: f.code, cause: err });
    case 'protocol':
      return new PlatformaticKafkaError('KafkaJSProtocolError', message, { retriable: f.retriable, type: f.type, cause: err });
    case 'user':
      return new PlatformaticKafkaError('KafkaJSNonRetriableError', message, { retriable: false, cause: err });
    case 'timeout':
      return new PlatformaticKafkaError('KafkaJSRequestTimeoutError', message, { retriable: true, cause: err });
    case 'network':
      return new PlatformaticKafkaError('KafkaJSConnectionError', message, { retriable: true, cause: err });
  }
}
