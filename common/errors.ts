// Typed errors: callers branch on `code` and `retriable`, never on message text (as kafkajs does in src/errors.js).

export type ErrorCode =
  | 'LOGSHIP_ERR_CONFIG_INVALID'
  | 'LOGSHIP_ERR_CONFIG_READ'
  | 'LOGSHIP_ERR_USAGE'
  | 'LOGSHIP_ERR_KAFKA_UNAVAILABLE'
  /** Kafka refused the credentials, or its certificate is not trusted: a config problem retrying cannot fix. */
  | 'LOGSHIP_ERR_KAFKA_AUTH'
  | 'LOGSHIP_ERR_KAFKA_PRODUCE'
  | 'LOGSHIP_ERR_ES_UNAVAILABLE'
  /** Elasticsearch refused the credentials (401/403), or its certificate is not trusted. */
  | 'LOGSHIP_ERR_ES_AUTH'
  | 'LOGSHIP_ERR_ES_REQUEST'
  | 'LOGSHIP_ERR_EVENT_DECODE'
  | 'LOGSHIP_ERR_CHECKPOINT_CORRUPT'
  | 'LOGSHIP_ERR_CHECKPOINT_WRITE'
  | 'LOGSHIP_ERR_SPOOL'
  | 'LOGSHIP_ERR_INTERNAL';

export class LogshipError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: { retriable?: boolean; cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'LogshipError';
    this.code = code;
    this.retriable = opts.retriable ?? false;
    this.details = opts.details ?? {};
  }
}

/** Exit codes follow sysexits(3), as operators' service managers expect. */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2, UNAVAILABLE: 69, CONFIG: 78 } as const;

export function exitCodeFor(err: unknown): number {
  if (!(err instanceof LogshipError)) return EXIT.FAILURE;
  switch (err.code) {
    case 'LOGSHIP_ERR_CONFIG_INVALID':
    case 'LOGSHIP_ERR_CONFIG_READ':
    // Wrong credentials or CA are a bad config too: the service managers' "do not restart on 78" applies, so a
    // process that cannot log in stops and says why instead of restarting in a loop.
    case 'LOGSHIP_ERR_KAFKA_AUTH':
    case 'LOGSHIP_ERR_ES_AUTH':
      return EXIT.CONFIG;
    case 'LOGSHIP_ERR_USAGE':
      return EXIT.USAGE;
    case 'LOGSHIP_ERR_KAFKA_UNAVAILABLE':
    case 'LOGSHIP_ERR_ES_UNAVAILABLE':
      return EXIT.UNAVAILABLE;
    default:
      return EXIT.FAILURE;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
