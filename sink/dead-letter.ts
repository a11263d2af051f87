// Dead letters: the original record, the reason, and where it came from, so `logship dlq list` can show why and
// `logship dlq replay` can send the original back once the cause is fixed. An original too large to keep whole is
// cut (marked `original_truncated`, with its size); a record whose batch could not be decompressed has none.
import { isUtf8 } from 'node:buffer';

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
  /** Set when `original` is only the start of the record value (cut so the letter fits the topic), or empty. */
  original_truncated?: boolean;
  /** The record value's size in bytes, when it was cut and that size is known. */
  original_size?: number;
  event_id?: string;
}

/**
 * No letter is larger than this, whatever the topic allows: a letter is for a person to read and replay, and a send
 * must stay far below the broker's socket.request.max.bytes (100 MiB by default).
 */
export const MAX_LETTER_BYTES = 16 * 1024 * 1024;

/** The first `n` bytes of UTF-8 text `buf`, or fewer, so that no character is cut in two. */
export function utf8Prefix(buf: Buffer, n: number): Buffer {
  if (n >= buf.length) return buf;
  let end = Math.max(0, n);
  // Back off continuation bytes (10xxxxxx): the character they belong to starts before `end`.
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  return buf.subarray(0, end);
}

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
  /** The record value is not available (its batch was refused): the letter says so. */
  originalMissing?: boolean;
  now?: Date;
}): DeadLetter {
  const whole = args.raw ?? Buffer.alloc(0);
  const utf8 = isUtf8(whole);
  // Cut before encoding: a value of hundreds of MiB would not even fit in a string.
  const raw = whole.length <= MAX_LETTER_BYTES ? whole : utf8 ? utf8Prefix(whole, MAX_LETTER_BYTES) : whole.subarray(0, MAX_LETTER_BYTES);
  const d: DeadLetter = {
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
  if (args.originalMissing) d.original_truncated = true;
  else if (raw.length < whole.length) Object.assign(d, { original_truncated: true, original_size: whole.length });
  return d;
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
