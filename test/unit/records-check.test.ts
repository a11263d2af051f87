// recordsProblem agrees with kafkajs' own record decoder: whatever it accepts, kafkajs reads without an exception
// (so a decompressed batch it passed cannot fail the fetch), and the records our codecs would hand over pass.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordsProblem } from '../../kafka/records-check.js';

const require = createRequire(import.meta.url);
type KDecoder = { readVarIntBytes(): Buffer | null };
const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer | null) => KDecoder;
const RecordDecoder = require('kafkajs/src/protocol/recordBatch/record/v0/decoder') as (d: KDecoder, ctx: object) => unknown;

/** What kafkajs' batch decoder does with decompressed records (recordBatch/v0/decoder.js decodeRecords). */
function kafkajsReads(buf: Buffer, count: number): void {
  const d = new Decoder(buf);
  for (let i = 0; i < count; i++) RecordDecoder(new Decoder(d.readVarIntBytes()), { firstOffset: '0', firstTimestamp: '0' });
}

function varint(n: number): number[] {
  let z = ((n << 1) ^ (n >> 31)) >>> 0;
  const out: number[] = [];
  while (z >= 0x80) {
    out.push((z & 0x7f) | 0x80);
    z >>>= 7;
  }
  out.push(z);
  return out;
}

const field = (b: Buffer | null) => (b === null ? [1] : [...varint(b.length), ...b]);

function record(key: Buffer | null, value: Buffer | null, headers: Array<[Buffer, Buffer | null]>, delta: number): Buffer {
  const body = [0, ...varint(delta * 3), ...varint(delta), ...field(key), ...field(value), ...varint(headers.length)];
  for (const [k, v] of headers) body.push(...field(k), ...field(v));
  return Buffer.from([...varint(body.length), ...body]);
}

const bytes = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
const records = fc.array(
  fc.record({ key: fc.option(bytes), value: fc.option(bytes), headers: fc.array(fc.tuple(bytes, fc.option(bytes)), { maxLength: 3 }) }),
  { minLength: 1, maxLength: 8 },
);

describe('recordsProblem', () => {
  it('accepts well-formed records, however many bytes follow them', () => {
    fc.assert(
      fc.property(records, bytes, (rs, tail) => {
        const buf = Buffer.concat([...rs.map((r, i) => record(r.key, r.value, r.headers, i)), tail]);
        expect(recordsProblem(buf, rs.length)).toBeUndefined();
        kafkajsReads(buf, rs.length);
      }),
    );
  });

  it('on arbitrary bytes never throws, and what it accepts kafkajs reads without an exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 6 }), (a, count) => {
        const buf = Buffer.from(a);
        if (recordsProblem(buf, count) === undefined) kafkajsReads(buf, count);
      }),
      { numRuns: 2000 },
    );
  });

  it('on well-formed records cut or changed in one byte: a problem, or readable by kafkajs', () => {
    fc.assert(
      fc.property(records, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean(), (rs, at, byte, cut) => {
        const buf = Buffer.concat(rs.map((r, i) => record(r.key, r.value, r.headers, i)));
        const i = at % buf.length;
        const bad = cut ? buf.subarray(0, i) : Buffer.from(buf);
        if (!cut) bad[i] = byte;
        if (recordsProblem(bad, rs.length) === undefined) kafkajsReads(bad, rs.length);
        if (cut) expect(recordsProblem(bad, rs.length)).toBeDefined();
      }),
      { numRuns: 2000 },
    );
  });

  it('names what is wrong', () => {
    expect(recordsProblem(Buffer.alloc(0), 1)).toBe('truncated');
    expect(recordsProblem(Buffer.from([1]), 1)).toBe('record 0: length -1');
    expect(recordsProblem(Buffer.from([20, 0]), 1)).toBe("record 0 past the record's end");
  });
});
