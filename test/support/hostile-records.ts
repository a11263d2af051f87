// Records that did not come from our agent, for the sink's hostile-input tests: foreign values, and compressed
// record batches built by hand (decompression bombs) produced through kafkajs with the payload swapped in.
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import kafkajs from 'kafkajs';
import { kafka } from './helpers.js';
import { testEvent } from './sink-helpers.js';

const { CompressionTypes } = kafkajs;
const CompressionCodecs = kafkajs.CompressionCodecs as Record<number, () => unknown>;
const require = createRequire(import.meta.url);
const lz4 = require('lz4-napi') as { compressFrame(b: Buffer): Promise<Buffer> };

/** A valid wire event as a plain object, changed by `f`, as the record value. */
export function eventWith(host: string, offset: number, f: (e: Record<string, any>) => void): Buffer {
  const e = JSON.parse(JSON.stringify(testEvent(host, 'hostile', offset))) as Record<string, any>;
  f(e);
  return Buffer.from(JSON.stringify(e));
}

/** `{"a":{"a":…1…}}`, `depth` objects deep (as text: JSON.stringify of the parsed value would overflow the stack). */
export const nestedText = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/** Kafka's varint: zigzag, then 7 bits a byte. */
function varint(n: number): Buffer {
  let z = ((n << 1) ^ (n >> 31)) >>> 0;
  const out: number[] = [];
  while (z >= 0x80) {
    out.push((z & 0x7f) | 0x80);
    z >>>= 7;
  }
  out.push(z);
  return Buffer.from(out);
}

/** The inner records of a batch of one record (offset delta 0, no key, no headers) whose value is `valueBytes` zeros, as its head and tail around the zeros. */
function oneRecordAround(valueBytes: number): { head: Buffer; tail: Buffer } {
  const vlen = varint(valueBytes);
  const bodyLen = 4 + vlen.length + valueBytes + 1; // attributes, timestamp delta, offset delta, key -1, value, headers
  return { head: Buffer.concat([varint(bodyLen), Buffer.from([0, 0, 0, 1]), vlen]), tail: Buffer.from([0]) };
}

/**
 * gzip of one record holding `valueBytes` zeros, built without holding them: 16 MiB of zeros deflated once (each
 * piece is flushed whole, so it never refers back) and repeated; the CRC is computed over the same piece.
 */
export function gzipBomb(valueBytes: number): Buffer {
  const CH = 16 << 20;
  const { head, tail } = oneRecordAround(valueBytes);
  const full = { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH };
  const zeros = Buffer.alloc(CH);
  const piece = zlib.deflateRawSync(zeros, full);
  const parts = [Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]), zlib.deflateRawSync(head, full)];
  let crc = zlib.crc32(head);
  let left = valueBytes;
  for (; left >= CH; left -= CH) {
    parts.push(piece);
    crc = zlib.crc32(zeros, crc);
  }
  const rest = Buffer.concat([zeros.subarray(0, left), tail]);
  parts.push(zlib.deflateRawSync(rest));
  crc = zlib.crc32(rest, crc);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE((head.length + valueBytes + tail.length) >>> 0, 4);
  parts.push(trailer);
  return Buffer.concat(parts);
}

function oneRecord(valueBytes: number): Buffer {
  const { head, tail } = oneRecordAround(valueBytes);
  return Buffer.concat([head, Buffer.alloc(valueBytes), tail]);
}

/** An LZ4 frame (4 MiB blocks, no content size: lz4-napi's) of one record holding `valueBytes` zeros. */
export async function lz4Bomb(valueBytes: number): Promise<Buffer> {
  return lz4.compressFrame(oneRecord(valueBytes));
}

/**
 * A zstd frame of one record holding `valueBytes` zeros; `withSize: false` removes the content size from the frame
 * header, as a streaming producer (the Java client) writes it, so only decompressing tells how large it is.
 */
export async function zstdBomb(valueBytes: number, withSize: boolean): Promise<Buffer> {
  // Through the registered codec (helpers.ts registers them): zstd-wasm must be initialised once per process.
  const zstd = CompressionCodecs[CompressionTypes.ZSTD]() as { compress(e: { buffer: Buffer }): Promise<Buffer> };
  const frame = await zstd.compress({ buffer: oneRecord(valueBytes) });
  if (withSize) return frame;
  const fhd = frame[4];
  const fcsFlag = fhd >> 6;
  const single = (fhd >> 5) & 1;
  if (single || fcsFlag === 0) throw new Error(`unexpected zstd frame header ${fhd.toString(16)}`);
  const fcsBytes = [0, 2, 4, 8][fcsFlag];
  const dictBytes = [0, 1, 2, 4][fhd & 3];
  const at = 5 + 1 + dictBytes; // magic, descriptor, window descriptor, dictionary id
  return Buffer.concat([frame.subarray(0, 4), Buffer.from([fhd & 0x3f]), frame.subarray(5, at), frame.subarray(at + fcsBytes)]);
}

export type BombCodec = 'gzip' | 'lz4' | 'zstd';

/**
 * Produces one batch of one record to `partition` compressed with `codec`, whose compressed records are `payload`
 * instead of what kafkajs would write: the codec's compress is swapped for this one send.
 */
export async function produceCompressedPayload(topic: string, partition: number, codec: BombCodec, payload: Buffer): Promise<void> {
  const type = { gzip: CompressionTypes.GZIP, lz4: CompressionTypes.LZ4, zstd: CompressionTypes.ZSTD }[codec];
  const saved = CompressionCodecs[type];
  CompressionCodecs[type] = () => ({ compress: async () => payload, decompress: async () => Buffer.alloc(0) });
  const p = kafka().producer();
  try {
    await p.connect();
    await p.send({ topic, acks: -1, compression: type, messages: [{ key: 'bomb', value: 'x', partition }] });
  } finally {
    CompressionCodecs[type] = saved;
    await p.disconnect();
  }
}
