import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLineFramer, type FramedLine, type LineFramer } from '../../agent/pipeline/line-framer.js';

const B = (s: string | number[]) => (typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s));

function pushAll(f: LineFramer, chunks: Buffer[]): FramedLine[] {
  return chunks.flatMap((c) => f.push(c));
}

function line(offset: number, end: number, text: string, more: Partial<FramedLine> = {}): FramedLine {
  return { offset, end, text, bytes: end - offset - 1, truncated: false, invalidUtf8: false, partial: false, ...more };
}

describe('line framer: examples', () => {
  it('splits on LF and gives exact offsets and ends', () => {
    const f = createLineFramer({ maxLineBytes: 1024 });
    expect(f.push(B('ab\ncde\nf\n'))).toEqual([line(0, 3, 'ab'), line(3, 7, 'cde'), line(7, 9, 'f')]);
    expect(f.pendingOffset).toBe(9);
    expect(f.pendingBytes).toBe(0);
    expect(f.skippedBytes).toBe(0);
  });

  it('drops the CR of CRLF (bytes still count it)', () => {
    const f = createLineFramer({ maxLineBytes: 1024 });
    expect(f.push(B('a\r\nbc\r\n'))).toEqual([line(0, 3, 'a', { bytes: 2 }), line(3, 7, 'bc', { bytes: 3 })]);
  });

  it('drops the CR of a CRLF split across chunks', () => {
    const f = createLineFramer({ maxLineBytes: 1024 });
    expect(f.push(B('abc\r'))).toEqual([]);
    expect(f.pendingBytes).toBe(4);
    expect(f.push(B('\nx\n'))).toEqual([line(0, 5, 'abc', { bytes: 4 }), line(5, 7, 'x')]);
  });

  it('keeps a lone CR as data, and only one CR is dropped before LF', () => {
    const f = createLineFramer({ maxLineBytes: 1024 });
    expect(f.push(B('a\rb\n\rc\n\r\r\n'))).toEqual([line(0, 4, 'a\rb'), line(4, 7, '\rc'), line(7, 10, '\r', { bytes: 2 })]);
  });

  it('holds a partial last line until its newline arrives', () => {
    const f = createLineFramer({ maxLineBytes: 1024 });
    expect(f.push(B('one\ntw'))).toEqual([line(0, 4, 'one')]);
    expect(f.pendingOffset).toBe(4);
    expect(f.pendingBytes).toBe(2);
    expect(f.push(B('o'))).toEqual([]);
    expect(f.pendingBytes).toBe(3);
    expect(f.push(B('\n'))).toEqual([line(4, 8, 'two')]);
    expect(f.pendingOffset).toBe(8);
    expect(f.pendingBytes).toBe(0);
  });

  it('flushPartial emits the held line once; what follows is a new line', () => {
    const f = createLineFramer({ maxLineBytes: 1024 });
    expect(f.flushPartial()).toBeUndefined();
    expect(f.push(B('x\nabc'))).toEqual([line(0, 2, 'x')]);
    expect(f.flushPartial()).toEqual({ offset: 2, end: 5, text: 'abc', bytes: 3, truncated: false, invalidUtf8: false, partial: true });
    expect(f.pendingOffset).toBe(5);
    expect(f.pendingBytes).toBe(0);
    expect(f.flushPartial()).toBeUndefined();
    expect(f.push(B('def\nghi\n'))).toEqual([line(5, 9, 'def'), line(9, 13, 'ghi')]);
    expect(f.flushPartial()).toBeUndefined();
  });

  it('flushPartial keeps a trailing CR (no newline seen), and the LF after it is an empty line', () => {
    const f = createLineFramer({ maxLineBytes: 1024 });
    f.push(B('abc\r'));
    expect(f.flushPartial()).toEqual({ offset: 0, end: 4, text: 'abc\r', bytes: 4, truncated: false, invalidUtf8: false, partial: true });
    expect(f.push(B('\n'))).toEqual([line(4, 5, '')]);
  });

  it('cuts a long line at maxLineBytes, marks it, skips to the newline, and the next line is fine', () => {
    const f = createLineFramer({ maxLineBytes: 8 });
    expect(f.push(B('0123456789'))).toEqual([]);
    expect(f.pendingBytes).toBe(8);
    expect(f.pendingOffset).toBe(0);
    expect(f.push(B('abc'))).toEqual([]);
    expect(f.pendingBytes).toBe(8);
    expect(f.push(B('def\nok\n'))).toEqual([line(0, 17, '01234567', { bytes: 16, truncated: true }), line(17, 20, 'ok')]);
    expect(f.skippedBytes).toBe(8);
    expect(f.pendingBytes).toBe(0);
  });

  it('a line of exactly maxLineBytes is whole, with LF or CRLF', () => {
    const f = createLineFramer({ maxLineBytes: 8 });
    expect(f.push(B('abcdefgh\nabcdefgh\r\nabcdefghi\n'))).toEqual([
      line(0, 9, 'abcdefgh'),
      line(9, 19, 'abcdefgh', { bytes: 9 }),
      line(19, 29, 'abcdefgh', { bytes: 9, truncated: true }),
    ]);
    expect(f.skippedBytes).toBe(1);
  });

  it('a truncated CRLF line does not count its CR as skipped data', () => {
    const f = createLineFramer({ maxLineBytes: 4 });
    expect(f.push(B('abcdef\r\n'))).toEqual([line(0, 8, 'abcd', { bytes: 7, truncated: true })]);
    expect(f.skippedBytes).toBe(2);
  });

  it('the cut never splits a UTF-8 character (3-byte and 4-byte)', () => {
    const f = createLineFramer({ maxLineBytes: 8 });
    // "abcdef€x": the cut at 8 would fall inside € (E2 82 AC).
    expect(f.push(B('abcdef€x\n'))).toEqual([line(0, 11, 'abcdef', { bytes: 10, truncated: true })]);
    // "abcde😀xyz": F0 9F 98 would be kept without its last byte.
    expect(f.push(B('abcde😀xyz\n'))).toEqual([line(11, 24, 'abcde', { bytes: 12, truncated: true })]);
    // A character that ends exactly at the cut is kept.
    expect(f.push(B('abcd😀zz\n'))).toEqual([line(24, 35, 'abcd😀', { bytes: 10, truncated: true })]);
    // Fits exactly: not truncated.
    expect(f.push(B('abcd😀\n'))).toEqual([line(35, 44, 'abcd😀')]);
  });

  it('replaces invalid UTF-8 with U+FFFD and marks the line', () => {
    const f = createLineFramer({ maxLineBytes: 1024 });
    const out = f.push(Buffer.concat([B([0x80]), B('\n'), B('a'), B([0xc0, 0xaf]), B('b\n'), B([0xed, 0xa0, 0x80]), B('\nok\n')]));
    expect(out).toEqual([
      line(0, 2, '\uFFFD', { invalidUtf8: true }),
      line(2, 7, 'a\uFFFD\uFFFDb', { invalidUtf8: true }),
      line(7, 11, '\uFFFD\uFFFD\uFFFD', { invalidUtf8: true }),
      line(11, 14, 'ok'),
    ]);
  });

  it('a 4-byte character split across chunks comes out whole', () => {
    const f = createLineFramer({ maxLineBytes: 1024 });
    // 😀 = F0 9F 98 80
    expect(f.push(B([0x61, 0xf0, 0x9f]))).toEqual([]);
    expect(f.push(B([0x98]))).toEqual([]);
    expect(f.push(B([0x80, 0x62, 0x0a]))).toEqual([line(0, 7, 'a😀b')]);
  });

  it('emits empty lines', () => {
    const f = createLineFramer({ maxLineBytes: 1024 });
    expect(f.push(B('\n\n\r\n'))).toEqual([line(0, 1, ''), line(1, 2, ''), line(2, 4, '', { bytes: 1 })]);
  });

  it('honours startOffset', () => {
    const f = createLineFramer({ maxLineBytes: 1024, startOffset: 100 });
    expect(f.pendingOffset).toBe(100);
    expect(f.push(B('ab\ncd'))).toEqual([line(100, 103, 'ab')]);
    expect(f.pendingOffset).toBe(103);
    expect(f.flushPartial()).toEqual({ offset: 103, end: 105, text: 'cd', bytes: 2, truncated: false, invalidUtf8: false, partial: true });
    expect(f.push(B('e\n'))).toEqual([line(105, 107, 'e')]);
  });

  it('an empty chunk changes nothing', () => {
    const f = createLineFramer({ maxLineBytes: 1024 });
    expect(f.push(Buffer.alloc(0))).toEqual([]);
    f.push(B('ab'));
    expect(f.push(Buffer.alloc(0))).toEqual([]);
    expect(f.pendingBytes).toBe(2);
    expect(f.pendingOffset).toBe(0);
  });
});

// ---- property tests ----

const TOKENS: number[][] = [
  [0x0a],
  [0x0a],
  [0x0a],
  [0x0d],
  [0x0d, 0x0a],
  [0x0d, 0x0a],
  [...B('a')],
  [...B('xyz')],
  [...B('é')],
  [...B('€')],
  [...B('😀')],
  [...B('中文')],
  [0x80],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf0, 0x9f],
  [0xff],
  [0xe2, 0x82],
];

const token = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TOKENS) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }).map((b) => [b]) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }).map((s) => [...B(s)]) },
);
const bytesArb = fc.array(token, { maxLength: 120 }).map((ts) => Buffer.from(ts.flat()));
const cutsArb = fc.uniqueArray(fc.nat({ max: 100_000 }), { maxLength: 20 });

function split(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

interface Run {
  lines: FramedLine[];
  rest: FramedLine | undefined;
  pendingOffset: number;
  skipped: number;
}

function run(chunks: Buffer[], maxLineBytes: number, startOffset = 0): Run {
  const f = createLineFramer({ maxLineBytes, startOffset });
  const lines = pushAll(
    f,
    chunks.map((c) => Buffer.from(c)),
  ); // copies: the framer must not depend on chunk identity
  const pendingOffset = f.pendingOffset;
  const rest = f.flushPartial();
  return { lines, rest, pendingOffset, skipped: f.skippedBytes };
}

describe('line framer: properties', () => {
  it('any split of the same bytes gives the same lines', () => {
    fc.assert(
      fc.property(
        bytesArb,
        cutsArb,
        fc.oneof(fc.integer({ min: 1, max: 24 }), fc.constant(1 << 20)),
        fc.nat({ max: 1e9 }),
        (buf, cuts, max, start) => {
          const whole = run([buf], max, start);
          const parts = run(split(buf, cuts), max, start);
          expect(parts).toEqual(whole);
          const byteAtATime = run(
            [...buf].map((b) => Buffer.from([b])),
            max,
            start,
          );
          expect(byteAtATime).toEqual(whole);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('without truncation, lines tile the input and decode exactly its bytes', () => {
    fc.assert(
      fc.property(bytesArb, cutsArb, (buf, cuts) => {
        const { lines, rest, pendingOffset, skipped } = run(split(buf, cuts), 1 << 20);
        const lastNl = buf.lastIndexOf(0x0a);
        expect(lines.length).toBe(buf.filter((b) => b === 0x0a).length);
        let at = 0;
        const pieces: Buffer[] = [];
        for (const l of lines) {
          expect(l.offset).toBe(at);
          expect(buf[l.end - 1]).toBe(0x0a);
          expect(l.bytes).toBe(l.end - l.offset - 1);
          let body = buf.subarray(l.offset, l.end - 1);
          if (body.length > 0 && body[body.length - 1] === 0x0d) body = body.subarray(0, body.length - 1);
          expect(l.text).toBe(body.toString('utf8'));
          expect(l.invalidUtf8).toBe(!isUtf8(body));
          expect(l.truncated).toBe(false);
          expect(l.partial).toBe(false);
          pieces.push(buf.subarray(l.offset, l.end));
          at = l.end;
        }
        expect(at).toBe(lastNl + 1);
        expect(pendingOffset).toBe(lastNl + 1);
        expect(Buffer.concat(pieces).equals(buf.subarray(0, lastNl + 1))).toBe(true);
        if (lastNl + 1 === buf.length) expect(rest).toBeUndefined();
        else
          expect(rest).toEqual({
            offset: lastNl + 1,
            end: buf.length,
            text: buf.subarray(lastNl + 1).toString('utf8'),
            bytes: buf.length - lastNl - 1,
            truncated: false,
            invalidUtf8: !isUtf8(buf.subarray(lastNl + 1)),
            partial: true,
          });
        expect(skipped).toBe(0);
      }),
      { numRuns: 400 },
    );
  });

  const textArb = fc
    .array(fc.oneof(fc.constantFrom('\n', '\n', '\r', '\r\n', ''), fc.string({ unit: 'binary', maxLength: 16 })), { maxLength: 60 })
    .map((xs) => xs.join(''));

  it('valid UTF-8: line text + its terminator reproduces the input', () => {
    fc.assert(
      fc.property(textArb, cutsArb, (text, cuts) => {
        const buf = B(text);
        const { lines, rest } = run(split(buf, cuts), 1 << 20);
        const segs = text.split('\n');
        const tail = segs.pop()!;
        expect(lines.map((l) => l.text)).toEqual(segs.map((s) => s.replace(/\r$/, '')));
        const rebuilt =
          lines.map((l) => l.text + (buf[l.end - 2] === 0x0d && l.end - l.offset >= 2 ? '\r\n' : '\n')).join('') + (rest?.text ?? '');
        expect(rebuilt).toBe(text);
        expect(rest?.text ?? '').toBe(tail);
        expect(lines.every((l) => !l.invalidUtf8)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('valid UTF-8 with a small max: kept text is a whole-character prefix, truncation and skip counts are exact', () => {
    fc.assert(
      fc.property(textArb, cutsArb, fc.integer({ min: 4, max: 20 }), (text, cuts, max) => {
        const buf = B(text);
        const { lines } = run(split(buf, cuts), max);
        const segs = text.split('\n');
        segs.pop();
        expect(lines.length).toBe(segs.length);
        let skipped = 0;
        lines.forEach((l, i) => {
          const data = segs[i].replace(/\r$/, '');
          const dataBytes = B(data).length;
          const kept = B(l.text).length;
          expect(l.truncated).toBe(dataBytes > max);
          expect(l.invalidUtf8).toBe(false);
          expect(kept).toBeLessThanOrEqual(max);
          expect(data.startsWith(l.text)).toBe(true);
          if (!l.truncated) expect(l.text).toBe(data);
          else {
            // Cut back by less than one character (at most 3 bytes).
            expect(kept).toBeGreaterThan(max - 4);
            skipped += dataBytes - max;
          }
          expect(l.bytes).toBe(B(segs[i]).length);
        });
        const f = createLineFramer({ maxLineBytes: max });
        pushAll(f, split(buf, cuts));
        expect(f.skippedBytes).toBe(skipped);
      }),
      { numRuns: 400 },
    );
  });

  it('flushPartial at any point never emits a byte twice or loses one', () => {
    fc.assert(
      fc.property(bytesArb, cutsArb, fc.array(fc.boolean(), { maxLength: 21 }), (buf, cuts, flushes) => {
        const f = createLineFramer({ maxLineBytes: 1 << 20 });
        const out: FramedLine[] = [];
        split(buf, cuts).forEach((c, i) => {
          out.push(...f.push(c));
          if (flushes[i]) {
            const p = f.flushPartial();
            if (p) out.push(p);
          }
        });
        const p = f.flushPartial();
        if (p) out.push(p);
        let at = 0;
        for (const l of out) {
          expect(l.offset).toBe(at);
          expect(l.end).toBeGreaterThan(l.offset);
          at = l.end;
        }
        expect(at).toBe(buf.length);
      }),
      { numRuns: 300 },
    );
  });
});
