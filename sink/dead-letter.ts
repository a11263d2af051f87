// Dead letters: the original record, the reason, and where it came from, so `logship dlq list` can show why and
// `logship dlq replay` can send the original back once the cause is fixed.

export interface DeadLetter {
  dlq_version: 1;
  reason: string;
  /** decode | mapping (ES refused the document) | request (ES refused the request). */
  stage: 'decode' | 'index';
  error_type: string;
  status?: number;
  source: { topic: string; partition: number; offset: string; key: string | null };
  failed_at: string;
  /** The original record value, as UTF-8 text when it is valid UTF-8, else base64. */
  original: string;
  original_encoding: 'utf8' | 'base64';
  event_id?: string;
}

import { isUtf8 } from 'node:buffer';

export function makeDeadLetter(args: {
  raw: Buffer | null;
  reason: string;
  stage: DeadLetter['stage'];
  errorType: string;
  status?: number;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  eventId?: string;
  now?: Date;
}): DeadLetter {
  const raw = args.raw ?? Buffer.alloc(0);
  const utf8 = isUtf8(raw);
  return {
    dlq_version: 1,
    reason: args.reason,
    stage: args.stage,
    error_type: args.errorType,
    status: args.status,
    source: { topic: args.topic, partition: args.partition, offset: args.offset, key: args.key },
    failed_at: (args.now ?? new Date()).toISOString(),
    original: utf8 ? raw.toString('utf8') : raw.toString('base64'),
    original_encoding: utf8 ? 'utf8' : 'base64',
    event_id: args.eventId,
  };
}

export function originalOf(d: DeadLetter): Buffer {
  return d.original_encoding === 'base64' ? Buffer.from(d.original, 'base64') : Buffer.from(d.original, 'utf8');
}

export function parseDeadLetter(value: Buffer | null): DeadLetter | undefined {
  if (!value) return undefined;
  try {
    const d = JSON.parse(value.toString('utf8')) as DeadLetter;
    return d && d.dlq_version === 1 && typeof d.reason === 'string' ? d : undefined;
  } catch {
    return undefined;
  }
}
