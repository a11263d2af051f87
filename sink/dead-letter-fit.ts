// A dead letter as one Kafka record that fits the dead-letter topic: whole when it fits; else with its original cut
// to fit (marked `original_truncated`, with the original's size); else a minimal letter with only the reason and
// where the record came from (a huge key or reason), which any topic taking a few KiB accepts. Pure.
import { MAX_LETTER_BYTES, originalOf, utf8Prefix, type DeadLetter } from './dead-letter.js';

export type LetterCut = 'none' | 'original' | 'minimal';

export interface EncodedLetter {
  key: string | null;
  value: Buffer;
  cut: LetterCut;
}

const MINIMAL_REASON_CHARS = 1024;
const MINIMAL_TYPE_CHARS = 128;

const bytes = (x: unknown) => Buffer.byteLength(JSON.stringify(x));

/** The letter as a record of at most `maxBytes` (key and value), cut as little as it takes. */
export function encodeDeadLetter(d: DeadLetter, maxBytes: number): EncodedLetter {
  const limit = Math.min(maxBytes, MAX_LETTER_BYTES);
  const key = d.source.key;
  const keyBytes = key === null ? 0 : Buffer.byteLength(key);
  const whole = Buffer.from(JSON.stringify(d));
  if (whole.length + keyBytes <= limit) return { key, value: whole, cut: 'none' };
  const raw = originalOf(d);
  const size = d.original_size ?? raw.length;
  const base: DeadLetter = { ...d, original: '', original_truncated: true, original_size: size };
  const room = limit - keyBytes - bytes(base);
  if (room >= 0) {
    const value = Buffer.from(JSON.stringify({ ...base, original: fitOriginal(raw, d.original_encoding, room) }));
    if (value.length + keyBytes <= limit) return { key, value, cut: 'original' };
  }
  return minimalDeadLetter(d, size);
}

/** Only the reason (its start), the stage, and where the record came from: the original and the key are left out. */
export function minimalDeadLetter(d: DeadLetter, originalSize = d.original_size ?? originalOf(d).length): EncodedLetter {
  const cut = (s: string, n: number) => (s.length > n ? s.slice(0, n) + '…' : s);
  const letter: DeadLetter = {
    dlq_version: 1,
    reason: cut(d.reason, MINIMAL_REASON_CHARS),
    stage: d.stage,
    error_type: cut(d.error_type, MINIMAL_TYPE_CHARS),
    status: d.status,
    source: { topic: d.source.topic, partition: d.source.partition, offset: d.source.offset, key: null },
    failed_at: d.failed_at,
    original: '',
    original_encoding: 'utf8',
    original_truncated: true,
    original_size: originalSize,
  };
  return { key: null, value: Buffer.from(JSON.stringify(letter)), cut: 'minimal' };
}

/** The longest start of `raw` whose JSON string (quotes aside) takes at most `room` bytes. */
function fitOriginal(raw: Buffer, encoding: DeadLetter['original_encoding'], room: number): string {
  if (encoding === 'base64') return raw.subarray(0, Math.floor(room / 4) * 3).toString('base64');
  // Escapes (\n, \u0000, \") make the JSON longer than the text: shrink until it fits, in a few rounds.
  let n = Math.min(raw.length, room);
  for (let round = 0; round < 40 && n > 0; round++) {
    const s = utf8Prefix(raw, n).toString('utf8');
    const json = bytes(s) - 2;
    if (json <= room) return s;
    n = Math.min(n - 1, Math.floor((n * room) / json));
  }
  return '';
}
