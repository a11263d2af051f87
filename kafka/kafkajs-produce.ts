// kafkajs' produce request, encoded in one pass. kafkajs 2.2.4 encodes every record into an Encoder of its own (a
// zero-filled 512-byte buffer, grown to a zero-filled 1 KiB one and copied for a 600-byte record, one more Buffer for
// each varint), then copies the records into the batch's encoder, which starts at 512 bytes and doubles, zero-filled
// and copied, up to the batch's size. In the agent's profile that was about a fifth of its CPU per line. Here the
// sizes come first, then one Buffer.allocUnsafe for the whole request and every byte written once, with a faster
// CRC-32C. The bytes are kafkajs' own, byte for byte (test/unit/kafkajs-produce.test.ts compares them), for the
// requests the agent makes: records without headers or timestamps, not transactional. Any other request is left to
// kafkajs' encoder.
//
// The hook: kafkajs requires its produce request modules when a request is made (requests/produce/index.js,
// `versions[n]` calls `require('./vN/request')`), and versions 4 to 7 build on version 3. So the exports of
// v3/request.js in Node's require cache are replaced by a wrapper once, before the first produce; v4-v7 are dropped
// from the cache if they were loaded already, so that their next load picks up the wrapper.
import { createRequire } from 'node:module';
import { crc32c } from './crc32c.js';

const require = createRequire(import.meta.url);

interface KMessage {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: Record<string, unknown>;
  timestamp?: unknown;
}
interface KPartition {
  partition: number;
  firstSequence?: number;
  messages: KMessage[];
}
interface KTopic {
  topic: string;
  partitions: KPartition[];
}
export interface ProduceArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: KTopic[];
}
interface KEncoder {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
}
interface ProduceRequest {
  encode(): Promise<KEncoder>;
}
type RequestV3 = ((args: ProduceArgs) => ProduceRequest) & { [ORIGINAL]?: RequestV3 };

const ORIGINAL = Symbol.for('logship.kafkajs.produceV3');
const PRODUCE = 'kafkajs/src/protocol/requests/produce';
const Encoder = require('kafkajs/src/protocol/encoder.js') as new (size?: number) => KEncoder;
const Long = require('kafkajs/src/utils/long.js') as { fromValue(v: unknown): { value: bigint } };
const compression = require('kafkajs/src/protocol/message/compression/index.js') as {
  lookupCodec(c: number): { compress(e: KEncoder): Promise<Buffer> };
};

const MAGIC_BYTE = 2;
const TRANSACTIONAL_MASK = 16;
const CODEC_MASK = 0x07;
/** attributes .. firstSequence, then the record count: the part of a batch body before its records. */
const BODY_HEAD = 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;
/** firstOffset, length, partitionLeaderEpoch, magic, crc: a batch before its body. */
const BATCH_HEAD = 8 + 4 + 4 + 1 + 4;

/**
 * How many produce requests this encoder wrote (a test checks that kafkajs' sends go through it). Kept on the
 * process, like the require cache the hook lives in: a second copy of this module (a test runner's fresh module
 * graph) counts what the installed wrapper of the first one writes.
 */
const counter = ((globalThis as Record<symbol, { n: number }>)[Symbol.for('logship.kafkajs.fastEncodes')] ??= { n: 0 });
export const fastProduceEncodes = (): number => counter.n;

const zigzag = (v: number): number => (v << 1) ^ (v >> 31);

function varIntSize(v: number): number {
  let u = zigzag(v) >>> 0;
  let n = 1;
  while (u >= 0x80) {
    u >>>= 7;
    n++;
  }
  return n;
}

function writeVarInt(buf: Buffer, off: number, v: number): number {
  let u = zigzag(v) >>> 0;
  while (u >= 0x80) {
    buf[off++] = (u & 0x7f) | 0x80;
    u >>>= 7;
  }
  buf[off++] = u;
  return off;
}

const byteLen = (b: Buffer | string | null | undefined): number =>
  b == null ? -1 : typeof b === 'string' ? Buffer.byteLength(b) : b.length;

function writeBytes(buf: Buffer, off: number, b: Buffer | string | null | undefined, len: number): number {
  off = writeVarInt(buf, off, len);
  if (b == null) return off;
  if (typeof b === 'string') return off + buf.write(b, off, len, 'utf8');
  buf.set(b, off);
  return off + len;
}

/** Can this request be written here (the messages the agent and the sink send)? */
export function fitsFastPath(args: ProduceArgs): boolean {
  if (args.transactionalId != null || !Array.isArray(args.topicData)) return false;
  for (const t of args.topicData)
    for (const p of t.partitions)
      for (const m of p.messages) {
        if (m.timestamp != null) return false;
        if (m.headers !== undefined && (m.headers === null || Object.keys(m.headers).length > 0)) return false;
        if (!isBytes(m.key) || !isBytes(m.value)) return false;
      }
  return true;
}
const isBytes = (b: unknown): boolean => b == null || typeof b === 'string' || Buffer.isBuffer(b);

/** One partition's records: their sizes, and (compressed) the compressed bytes. */
interface Part {
  p: KPartition;
  keyLen: Int32Array;
  valueLen: Int32Array;
  bodyLen: Int32Array;
  recordsLen: number;
  compressed?: Buffer;
}

function measure(p: KPartition): Part {
  const n = p.messages.length;
  const keyLen = new Int32Array(n);
  const valueLen = new Int32Array(n);
  const bodyLen = new Int32Array(n);
  let recordsLen = 0;
  let lastKey: unknown;
  let lastKeyLen = -1;
  for (let i = 0; i < n; i++) {
    const m = p.messages[i];
    const kl = m.key === lastKey && lastKeyLen >= 0 ? lastKeyLen : byteLen(m.key);
    lastKey = m.key;
    lastKeyLen = kl;
    const vl = byteLen(m.value);
    // attributes, timestampDelta 0 (one byte), offsetDelta, key, value, no headers (one byte)
    const body = 3 + varIntSize(i) + varIntSize(kl) + Math.max(kl, 0) + varIntSize(vl) + Math.max(vl, 0);
    keyLen[i] = kl;
    valueLen[i] = vl;
    bodyLen[i] = body;
    recordsLen += varIntSize(body) + body;
  }
  return { p, keyLen, valueLen, bodyLen, recordsLen };
}

function writeRecords(buf: Buffer, off: number, part: Part): number {
  const { messages } = part.p;
  for (let i = 0; i < messages.length; i++) {
    off = writeVarInt(buf, off, part.bodyLen[i]);
    buf[off++] = 0; // attributes
    buf[off++] = 0; // timestampDelta: no message carries a timestamp
    off = writeVarInt(buf, off, i);
    off = writeBytes(buf, off, messages[i].key, part.keyLen[i]);
    off = writeBytes(buf, off, messages[i].value, part.valueLen[i]);
    buf[off++] = 0; // no headers
  }
  return off;
}

async function compress(codec: number, part: Part): Promise<void> {
  const records = Buffer.allocUnsafe(part.recordsLen);
  writeRecords(records, 0, part);
  const e = wrap(records);
  part.compressed = await compression.lookupCodec(codec).compress(e);
}

function wrap(buf: Buffer): KEncoder {
  const e = new Encoder(1);
  e.buf = buf;
  e.offset = buf.length;
  return e;
}

const batchLen = (part: Part): number => BATCH_HEAD + BODY_HEAD + (part.compressed?.length ?? part.recordsLen);

/** The request kafkajs' v3 encoder writes for `args`, when fitsFastPath(args). */
export async function encodeProduce(args: ProduceArgs): Promise<KEncoder> {
  const codec = args.compression ?? 0;
  const parts: Part[][] = [];
  let size = 2 + 2 + 4 + 4; // transactionalId (null), acks, timeout, topic count
  for (const t of args.topicData) {
    const ps: Part[] = [];
    size += 2 + Buffer.byteLength(t.topic) + 4;
    for (const p of t.partitions) {
      const part = measure(p);
      if (codec !== 0) await compress(codec, part);
      size += 4 + 4 + batchLen(part);
      ps.push(part);
    }
    parts.push(ps);
  }
  const buf = Buffer.allocUnsafe(size);
  let off = buf.writeInt16BE(-1, 0);
  off = buf.writeInt16BE(args.acks, off);
  off = buf.writeInt32BE(args.timeout, off);
  off = buf.writeInt32BE(args.topicData.length, off);
  const head = batchHead(args, codec);
  for (let ti = 0; ti < parts.length; ti++) {
    const topic = args.topicData[ti].topic;
    off = buf.writeInt16BE(Buffer.byteLength(topic), off);
    off += buf.write(topic, off, 'utf8');
    off = buf.writeInt32BE(parts[ti].length, off);
    for (const part of parts[ti]) off = writePartition(buf, off, part, head);
  }
  counter.n++;
  return wrap(buf);
}

interface BatchHead {
  attributes: number;
  producerId: bigint;
  producerEpoch: number;
  now: bigint;
}

function batchHead(args: ProduceArgs, codec: number): BatchHead {
  return {
    attributes: (codec & CODEC_MASK) | (args.transactionalId ? TRANSACTIONAL_MASK : 0),
    producerId: BigInt.asIntN(64, Long.fromValue(args.producerId ?? -1).value),
    producerEpoch: args.producerEpoch ?? 0,
    now: BigInt(Date.now()),
  };
}

function writePartition(buf: Buffer, off: number, part: Part, h: BatchHead): number {
  const len = batchLen(part);
  off = buf.writeInt32BE(part.p.partition, off);
  off = buf.writeInt32BE(len, off);
  off = buf.writeBigInt64BE(0n, off); // firstOffset
  off = buf.writeInt32BE(len - 12, off); // the batch's length, after firstOffset and itself
  off = buf.writeInt32BE(0, off); // partitionLeaderEpoch
  buf[off++] = MAGIC_BYTE;
  const crcAt = off;
  off += 4;
  const bodyAt = off;
  off = buf.writeInt16BE(h.attributes, off);
  off = buf.writeInt32BE(part.p.messages.length - 1, off); // lastOffsetDelta
  off = buf.writeBigInt64BE(h.now, off); // firstTimestamp
  off = buf.writeBigInt64BE(h.now, off); // maxTimestamp
  off = buf.writeBigInt64BE(h.producerId, off);
  off = buf.writeInt16BE(h.producerEpoch, off);
  off = buf.writeInt32BE(part.p.firstSequence ?? 0, off);
  off = buf.writeInt32BE(part.p.messages.length, off);
  if (part.compressed) {
    buf.set(part.compressed, off);
    off += part.compressed.length;
  } else off = writeRecords(buf, off, part);
  buf.writeUInt32BE(crc32c(buf, bodyAt, off), crcAt);
  return off;
}

/** Puts encodeProduce in front of kafkajs' v3 produce request (and so v4-v7), once per process. */
export function installFastProduce(): void {
  const v3Path = require.resolve(`${PRODUCE}/v3/request.js`);
  require(v3Path);
  const cached = require.cache[v3Path];
  if (!cached) return;
  const current = cached.exports as RequestV3;
  if (current[ORIGINAL]) return;
  const original = current;
  const fast: RequestV3 = (args) => {
    const req = original(args);
    return fitsFastPath(args) ? { ...req, encode: () => encodeProduce(args) } : req;
  };
  fast[ORIGINAL] = original;
  cached.exports = fast;
  for (const v of [4, 5, 6, 7]) delete require.cache[require.resolve(`${PRODUCE}/v${v}/request.js`)];
}

/** kafkajs' own v3 request, for the test that compares the bytes. */
export function originalProduceV3(): (args: ProduceArgs) => ProduceRequest {
  const exp = require(`${PRODUCE}/v3/request.js`) as RequestV3;
  return exp[ORIGINAL] ?? exp;
}
