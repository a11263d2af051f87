// Bounded decompression, through kafkajs' own record batch decoder: a batch past the bound (a bomb) or corrupt becomes
// records that stand for its offsets and say why; within the bound every codec reads as before; outside a batch
// decoder (no batch header before the buffer) the codec throws as it always did.
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_DECOMPRESSED_BATCH_BYTES, registerCodecs, setMaxDecompressedBatchBytes } from '../../kafka/codecs.js';
import { lz4MaxDecompressedSize, zstdDeclaredSize } from '../../kafka/frame-sizes.js';
import { MAX_REFUSED_RECORDS, refusalOf } from '../../kafka/refused-batch.js';

const require = createRequire(import.meta.url);
const lz4 = require('lz4-napi') as { compressFrame(b: Buffer): Promise<Buffer> };
const KDecoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => unknown;
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (
  d: unknown,
) => Promise<{ records: Array<{ offset: string; key: Buffer | null; value: Buffer | null }> }>;
const { CompressionTypes } = kafkajs;
const codecs = kafkajs.CompressionCodecs as Record<
  number,
  () => { decompress(b: Buffer): Promise<Buffer>; compress(e: { buffer: Buffer }): Promise<Buffer> }
>;

const BOUND = 1 << 20;
type Codec = 'gzip' | 'lz4' | 'zstd';
const TYPE: Record<Codec, number> = { gzip: CompressionTypes.GZIP, lz4: CompressionTypes.LZ4, zstd: CompressionTypes.ZSTD };

/** Kafka's varint (zigzag). */
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

/** Inner records (v2): value i is `values[i]`, offset delta i. */
function innerRecords(values: Buffer[]): Buffer {
  return Buffer.concat(
    values.map((v, i) => {
      const body = Buffer.concat([Buffer.from([0, 0, ...varint(i), 1, ...varint(v.length)]), v, Buffer.from([0])]);
      return Buffer.concat([Buffer.from(varint(body.length)), body]);
    }),
  );
}

async function compress(codec: Codec, raw: Buffer): Promise<Buffer> {
  if (codec === 'gzip') return zlib.gzipSync(raw);
  if (codec === 'lz4') return lz4.compressFrame(raw);
  // Through the registered codec: zstd-wasm must be initialised once per process (a second init swaps its memory).
  return codecs[CompressionTypes.ZSTD]().compress({ buffer: raw });
}

/** A record batch (v2) as the broker hands it out, somewhere inside a larger fetch buffer. */
function batch(codec: Codec, payload: Buffer, o: { firstOffset?: bigint; count: number; lastOffsetDelta?: number }): Buffer {
  const h = Buffer.alloc(61);
  h.writeBigInt64BE(o.firstOffset ?? 1000n, 0);
  h.writeInt32BE(49 + payload.length, 8);
  h.writeInt8(2, 16);
  h.writeInt16BE(TYPE[codec], 21);
  h.writeInt32BE(o.lastOffsetDelta ?? o.count - 1, 23);
  h.writeBigInt64BE(-1n, 43);
  h.writeInt32BE(o.count, 57);
  return Buffer.concat([Buffer.alloc(100, 7), h, payload, Buffer.alloc(50, 9)]).subarray(100, 100 + 61 + payload.length);
}

const decode = (b: Buffer) => decodeRecordBatch(new KDecoder(b));
const zeros = (n: number) => Buffer.alloc(n);

beforeAll(() => {
  registerCodecs();
  setMaxDecompressedBatchBytes(BOUND);
});
afterAll(() => setMaxDecompressedBatchBytes(DEFAULT_MAX_DECOMPRESSED_BATCH_BYTES));

describe('bounded codecs in kafkajs record batches', () => {
  for (const codec of ['gzip', 'lz4', 'zstd'] as const) {
    it(`${codec}: a batch within the bound decodes as before`, async () => {
      const values = [Buffer.from('a'), zeros(BOUND / 2), Buffer.from('c')];
      const { records } = await decode(batch(codec, await compress(codec, innerRecords(values)), { count: 3 }));
      expect(records.map((r) => [r.offset, r.value?.length])).toEqual([
        ['1000', 1],
        ['1001', BOUND / 2],
        ['1002', 1],
      ]);
      expect(records.every((r) => refusalOf(r.value) === undefined)).toBe(true);
    });

    it(`${codec}: a bomb past the bound becomes one refused record per offset, with the reason`, async () => {
      const payload = await compress(codec, innerRecords([Buffer.from('x'), zeros(8 * BOUND)]));
      const { records } = await decode(batch(codec, payload, { firstOffset: 42n, count: 2 }));
      expect(records.map((r) => [r.offset, r.key, r.value?.length])).toEqual([
        ['42', null, 0],
        ['43', null, 0],
      ]);
      const why = refusalOf(records[0].value)!;
      expect(why).toMatchObject({ codec, why: 'too_large', records: 2, firstOffset: '42', lastOffset: '43' });
      expect(why.reason).toContain(`${codec} record batch at offsets 42..43 (2 record(s), ${payload.length} bytes compressed)`);
      expect(why.reason).toContain(`more than the bound of ${BOUND} bytes`);
      expect(refusalOf(records[1].value)).toBe(why);
    });

    it(`${codec}: a corrupt batch becomes refused records too, its offsets to the last one (compaction gaps kept)`, async () => {
      const good = await compress(codec, innerRecords([Buffer.from('x'), Buffer.from('y'), Buffer.from('z')]));
      const corrupt = Buffer.from(good);
      corrupt.fill(0x5a, Math.floor(good.length / 3));
      const { records } = await decode(batch(codec, corrupt, { count: 3, lastOffsetDelta: 7 }));
      expect(records.map((r) => r.offset)).toEqual(['1000', '1001', '1007']);
      expect(refusalOf(records[0].value)).toMatchObject({ codec, why: 'corrupt', lastOffset: '1007' });
      expect(refusalOf(records[0].value)!.reason).toMatch(/could not be decompressed/);
    });

    it(`${codec}: called outside a record batch, a bomb still throws (nothing to stand for)`, async () => {
      const payload = await compress(codec, zeros(4 * BOUND));
      await expect(codecs[TYPE[codec]]().decompress(Buffer.from(payload))).rejects.toThrow(/more than the bound|decompress/);
    });
  }

  it('zstd without a content size (a streaming producer) is bounded by decompressing into a capped buffer', async () => {
    const frame = await compress('zstd', innerRecords([zeros(4 * BOUND)]));
    // Frame header 0x80: 4-byte content size after the window descriptor; drop it.
    expect(frame[4] >> 6).toBe(2);
    const noSize = Buffer.concat([frame.subarray(0, 4), Buffer.from([frame[4] & 0x3f]), frame.subarray(5, 6), frame.subarray(10)]);
    expect(zstdDeclaredSize(noSize)).toEqual({ bytes: undefined });
    const { records } = await decode(batch('zstd', noSize, { count: 1 }));
    expect(refusalOf(records[0].value)).toMatchObject({ why: 'too_large' });
  });

  it('a batch of more records than kafkajs can take is not replaced: the error stands', async () => {
    const payload = await compress('gzip', zeros(4 * BOUND));
    await expect(decode(batch('gzip', payload, { count: MAX_REFUSED_RECORDS + 1 }))).rejects.toThrow();
  });
});

describe('frame sizes from headers', () => {
  it('lz4: the block bound covers what the frame holds; truncated or foreign input is a problem', async () => {
    for (const n of [0, 1, 1000, 70_000, 5 << 20]) {
      const frame = await lz4.compressFrame(Buffer.alloc(n, 'a'));
      const v = lz4MaxDecompressedSize(frame);
      expect('bytes' in v && v.bytes >= n).toBe(true);
    }
    const frame = await lz4.compressFrame(Buffer.alloc(1000, 'a'));
    expect(lz4MaxDecompressedSize(frame.subarray(0, frame.length - 2))).toMatchObject({ problem: expect.stringMatching(/truncated/) });
    expect(lz4MaxDecompressedSize(Buffer.from('not lz4 at all'))).toMatchObject({ problem: expect.stringMatching(/magic/) });
  });

  it('zstd: the declared content size, for every size field width', async () => {
    for (const n of [0, 10, 300, 70_000, 3 << 20])
      expect(zstdDeclaredSize(await compress('zstd', Buffer.alloc(n, 'b')))).toEqual({ bytes: n });
    expect(zstdDeclaredSize(Buffer.from('nope!'))).toMatchObject({ problem: expect.stringMatching(/magic/) });
  });
});
