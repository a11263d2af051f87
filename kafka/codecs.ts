// Kafka's codecs for kafkajs, which ships only gzip (and snappy/lz4/zstd as "bring your own"), each decompressing
// within a bound. Registered by one explicit call at process start (cli/main.ts, bench/run.ts): the agent produces
// with them, and the sink must read batches any producer compressed with them (a Java or librdkafka client writing
// to the same topic, say), including hostile ones: a batch that would decompress past the bound (a decompression
// bomb) or does not decompress at all is not an exception in kafkajs' fetch but records that say so (refused-batch.ts).
//
// lz4: lz4-napi (napi-rs, prebuilt binaries per platform from npm; no compiler at install). Kafka's lz4 is
// the standard LZ4 frame format (KIP-57), which is what compressFrame writes.
// zstd: @bokuweb/zstd-wasm (zstd compiled to WebAssembly: nothing to build, any platform). zstd-napi builds
// zstd from source with node-gyp at install (two minutes here) and @mongodb-js/zstd fetches its binaries
// from GitHub, which a build without internet access cannot reach.
import './kafkajs-preload.js';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import kafkajs from 'kafkajs';
import { lz4MaxDecompressedSize, zstdDeclaredSize } from './frame-sizes.js';
import { recordsProblem } from './records-check.js';
import { batchHeaderBefore, refusalRecords, type BatchRefusal } from './refused-batch.js';

// kafkajs is CommonJS and Node's ESM loader does not see CompressionCodecs as a named export.
const { CompressionCodecs, CompressionTypes } = kafkajs;
const require = createRequire(import.meta.url);
const lz4 = require('lz4-napi') as { compressFrame(b: Buffer): Promise<Buffer>; decompressFrame(b: Buffer): Promise<Buffer> };
const gzip = promisify(zlib.gzip);
const unzip = promisify(zlib.unzip);

export type Compression = 'none' | 'gzip' | 'lz4' | 'zstd';

export const COMPRESSION_TYPES: Record<Compression, kafkajs.CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/** The default of sink.max_decompressed_batch_bytes: far above any batch a broker hands out by default. */
export const DEFAULT_MAX_DECOMPRESSED_BATCH_BYTES = 64 * 1024 * 1024;

// One bound for the process, as kafkajs' codec table is one for the process.
let maxDecompressed = DEFAULT_MAX_DECOMPRESSED_BATCH_BYTES;

/** The most one compressed record batch may decompress to (the sink sets it from its config). */
export function setMaxDecompressedBatchBytes(n: number): void {
  maxDecompressed = n;
}

const ZSTD_LEVEL = 3;

// Loaded at the first zstd batch: the module and its WebAssembly cost about 5 MB of resident memory that a
// process which never sees zstd would carry for nothing.
type Zstd = typeof import('@bokuweb/zstd-wasm');
let zstdReady: Promise<Zstd> | undefined;
const initZstd = () =>
  (zstdReady ??= import('@bokuweb/zstd-wasm').then(async (m) => {
    await m.init();
    return m;
  }));

interface Encoder {
  buffer: Buffer;
}

/** Past the bound: the batch is refused without decompressing (the rest of) it. */
class TooLarge extends Error {}

const tooLarge = (what: string) =>
  new TooLarge(`${what} more than the bound of ${maxDecompressed} bytes (sink.max_decompressed_batch_bytes)`);

async function gunzipBounded(buffer: Buffer): Promise<Buffer> {
  try {
    return await unzip(buffer, { maxOutputLength: maxDecompressed });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge('decompresses to');
    throw err;
  }
}

async function lz4Bounded(buffer: Buffer): Promise<Buffer> {
  const v = lz4MaxDecompressedSize(buffer);
  if ('problem' in v) throw new Error(v.problem);
  if (v.bytes > maxDecompressed) throw tooLarge(`may decompress to ${v.bytes} bytes (its frame's blocks),`);
  return lz4.decompressFrame(buffer);
}

async function zstdBounded(buffer: Buffer): Promise<Buffer> {
  const v = zstdDeclaredSize(buffer);
  if ('problem' in v) throw new Error(v.problem);
  if (v.bytes !== undefined && v.bytes > maxDecompressed) throw tooLarge(`declares ${v.bytes} bytes of content,`);
  const zstd = await initZstd();
  // A frame without its content size (streaming producers, e.g. the Java client) is decoded into a buffer that grows
  // until it fits, up to the bound; with one, zstd-wasm allocates exactly that (checked above).
  let heap = Math.min(maxDecompressed, Math.max(1 << 20, buffer.length * 16));
  for (;;) {
    try {
      const out = zstd.decompress(buffer, { defaultHeapSize: heap });
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    } catch (err) {
      // Only zstd's dstSize_tooSmall (70) means "try a larger buffer"; other errors are corrupt input.
      // With a declared size, more content than it declares is corrupt, not large.
      if (!/code -70$/.test((err as Error).message) || v.bytes !== undefined) throw err;
      if (heap >= maxDecompressed) throw tooLarge('decompresses to');
      heap = Math.min(maxDecompressed, heap * 4);
    }
  }
}

/**
 * The codec's decompress, refusing instead of failing when kafkajs is decoding a record batch: past the bound,
 * corrupt, or not the records its header promised (records-check.ts). The records of a refused batch stand for its
 * offsets and carry the reason (refused-batch.ts); outside a batch decoder the error is thrown as before.
 */
function refusing(codec: string, type: number, decompress: (b: Buffer) => Promise<Buffer>) {
  return async (buffer: Buffer): Promise<Buffer> => {
    let failure: unknown;
    let out: Buffer | undefined;
    try {
      out = await decompress(buffer);
    } catch (err) {
      failure = err;
    }
    const h = batchHeaderBefore(buffer, type);
    if (out) {
      const problem = h && recordsProblem(out, h.count);
      if (!problem) return out;
      failure = new Error(`its ${out.length} bytes are not ${h.count} records (${problem})`);
    }
    if (!h) throw failure;
    return refusalRecords(h, (x): BatchRefusal => {
      const first = x.firstOffset.toString();
      const last = (x.firstOffset + BigInt(x.lastOffsetDelta)).toString();
      const what = `${codec} record batch at offsets ${first}..${last} (${x.count} record(s), ${buffer.length} bytes compressed)`;
      const why = failure instanceof TooLarge ? 'too_large' : 'corrupt';
      const message = (failure as Error).message;
      const reason = why === 'too_large' ? `${what} ${message}: not decompressed` : `${what} could not be decompressed: ${message}`;
      return { codec, why, reason, records: x.count, firstOffset: first, lastOffset: last };
    });
  };
}

const gzipCodec = {
  compress: (encoder: Encoder): Promise<Buffer> => gzip(encoder.buffer),
  decompress: refusing('gzip', CompressionTypes.GZIP, gunzipBounded),
};

const lz4Codec = {
  compress: (encoder: Encoder): Promise<Buffer> => lz4.compressFrame(encoder.buffer),
  decompress: refusing('lz4', CompressionTypes.LZ4, lz4Bounded),
};

const zstdCodec = {
  async compress(encoder: Encoder): Promise<Buffer> {
    const zstd = await initZstd();
    const out = zstd.compress(encoder.buffer, ZSTD_LEVEL);
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  },
  decompress: refusing('zstd', CompressionTypes.ZSTD, zstdBounded),
};

let registered = false;

/** Makes kafkajs write and read gzip (bounded), lz4 and zstd batches. Idempotent. */
export function registerCodecs(): void {
  if (registered) return;
  registered = true;
  CompressionCodecs[CompressionTypes.GZIP] = () => gzipCodec;
  CompressionCodecs[CompressionTypes.LZ4] = () => lz4Codec;
  CompressionCodecs[CompressionTypes.ZSTD] = () => zstdCodec;
}

/** For tests and `validate`: the codecs round-trip on this machine. */
export async function codecSelfTest(kind: Compression): Promise<boolean> {
  if (kind === 'none') return true;
  const sample = Buffer.from('logship codec self-test '.repeat(64));
  const codec = { gzip: gzipCodec, lz4: lz4Codec, zstd: zstdCodec }[kind];
  const back = await codec.decompress(await codec.compress({ buffer: sample }));
  return back.equals(sample);
}
