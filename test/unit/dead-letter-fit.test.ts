// Dead letters fit the dead-letter topic: whole when they fit, else the original cut (a prefix, marked, with its
// size), else a minimal letter; and makeDeadLetter never builds a string from a value too large to keep.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeDeadLetter, MAX_LETTER_BYTES, originalOf, parseDeadLetter } from '../../sink/dead-letter.js';
import { encodeDeadLetter } from '../../sink/dead-letter-fit.js';

const letter = (raw: Buffer | null, o: { key?: string | null; reason?: string } = {}) =>
  makeDeadLetter({
    raw,
    reason: o.reason ?? 'not JSON: whatever',
    stage: 'decode',
    errorType: 'decode_error',
    topic: 'logs',
    partition: 1,
    offset: '4711',
    key: o.key === undefined ? 'web-1' : o.key,
    now: new Date(0),
  });

const sizeOf = (e: { key: string | null; value: Buffer }) => e.value.length + (e.key === null ? 0 : Buffer.byteLength(e.key));
const back = (e: { value: Buffer }) => parseDeadLetter(e.value)!;

describe('encodeDeadLetter', () => {
  it('a letter that fits is sent whole, keyed by the original key', () => {
    const d = letter(Buffer.from('{"a":1'));
    const e = encodeDeadLetter(d, 1 << 20);
    expect(e).toEqual({ key: 'web-1', value: Buffer.from(JSON.stringify(d)), cut: 'none' });
  });

  it('a 5 MiB original is cut to fit 1 MiB: a prefix, marked, with the original size', () => {
    const raw = Buffer.alloc(5 << 20, 'x');
    const e = encodeDeadLetter(letter(raw), 1 << 20);
    expect(e.cut).toBe('original');
    expect(sizeOf(e)).toBeLessThanOrEqual(1 << 20);
    expect(sizeOf(e)).toBeGreaterThan((1 << 20) - 64);
    const d = back(e);
    expect(d).toMatchObject({ original_truncated: true, original_size: raw.length, source: { key: 'web-1', offset: '4711' } });
    expect(raw.subarray(0, d.original.length).equals(originalOf(d))).toBe(true);
  });

  it('escapes count: an original of control characters still fits', () => {
    const raw = Buffer.from('\u0001"\\\n'.repeat(100_000));
    const e = encodeDeadLetter(letter(raw), 50_000);
    expect(e.cut).toBe('original');
    expect(sizeOf(e)).toBeLessThanOrEqual(50_000);
    const o = originalOf(back(e));
    expect(o.length).toBeGreaterThan(5_000);
    expect(raw.subarray(0, o.length).equals(o)).toBe(true);
  });

  it('a binary original is cut in base64 and still decodes to a prefix', () => {
    const raw = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) & 0xff));
    const e = encodeDeadLetter(letter(raw), 100_000);
    const d = back(e);
    expect(d.original_encoding).toBe('base64');
    expect(sizeOf(e)).toBeLessThanOrEqual(100_000);
    expect(raw.subarray(0, originalOf(d).length).equals(originalOf(d))).toBe(true);
  });

  it('a huge key or reason leaves a minimal letter: the reason (its start) and where the record came from', () => {
    for (const d of [letter(Buffer.from('v'), { key: 'k'.repeat(2 << 20) }), letter(Buffer.from('v'), { reason: 'r'.repeat(2 << 20) })]) {
      const e = encodeDeadLetter(d, 1 << 20);
      expect(e.cut).toBe('minimal');
      expect(e.key).toBeNull();
      expect(e.value.length).toBeLessThan(2048);
      expect(back(e)).toMatchObject({ stage: 'decode', source: { topic: 'logs', partition: 1, offset: '4711', key: null }, original: '' });
      expect(back(e).reason.startsWith(d.reason.slice(0, 100))).toBe(true);
    }
  });

  it('never splits a character, and fits any budget that holds the minimal letter', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 3000 }).map((s) => Buffer.from(s)),
          fc.uint8Array({ maxLength: 6000 }).map((a) => Buffer.from(a)),
        ),
        fc.option(fc.string({ maxLength: 200 })),
        fc.string({ maxLength: 300 }),
        fc.integer({ min: 1200, max: 20_000 }),
        (raw, key, reason, max) => {
          const d = letter(raw, { key, reason: reason || 'x' });
          const e = encodeDeadLetter(d, max);
          expect(sizeOf(e)).toBeLessThanOrEqual(max);
          const out = back(e);
          const o = originalOf(out);
          expect(raw.subarray(0, o.length).equals(o)).toBe(true);
          expect(out.original_truncated === true).toBe(e.cut !== 'none');
          if (e.cut !== 'none') expect(out.original_size).toBe(raw.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('makeDeadLetter', () => {
  it('keeps at most MAX_LETTER_BYTES of the original, marked with its size', () => {
    const raw = Buffer.alloc(MAX_LETTER_BYTES + 1000, 'z');
    const d = letter(raw);
    expect(d.original.length).toBe(MAX_LETTER_BYTES);
    expect(d).toMatchObject({ original_truncated: true, original_size: raw.length, original_encoding: 'utf8' });
  });

  it('a record without its value (its batch refused) says the original is missing', () => {
    const d = makeDeadLetter({
      raw: null,
      reason: 'r',
      stage: 'decode',
      errorType: 'batch_refused',
      topic: 't',
      partition: 0,
      offset: '1',
      key: null,
      originalMissing: true,
    });
    expect(d).toMatchObject({ original: '', original_truncated: true });
    expect(d.original_size).toBeUndefined();
  });
});
