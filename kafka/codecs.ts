// Kafka's lz4 and zstd codecs for kafkajs, which ships only gzip (and snappy/lz4/zstd as "bring your own").
// Registered by one explicit call at process start (cli/main.ts, bench/run.ts): the agent produces with them, and the sink must read batches any
// producer compressed with them (a Java or librdkafka client writing to the same topic, say).
//
// lz4: lz4-napi (napi-rs, prebuilt binaries per platform from npm; no compiler at install). Kafka's lz4 is
// the standard LZ4 frame format (KIP-57), which is what compressFrame writes.
// zstd: @bokuweb/zstd-wasm (zstd compiled to WebAssembly: nothing to build, any platform). zstd-napi builds
// zstd from source with node-gyp at install (two minutes here) and @mongodb-js/zstd fetches its binaries
// from GitHub, which a build without internet access cannot reach.
import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import * as zstd from '@bokuweb/zstd-wasm';

// kafkajs is CommonJS and Node's ESM loader does not see CompressionCodecs as a named export.
const { CompressionCodecs, CompressionTypes } = kafkajs;
const require = createRequire(import.meta.url);
const lz4 = require('lz4-napi') as { compressFrame(b: Buffer): Promise<Buffer>; decompressFrame(b: Buffer): Promise<Buffer> };

export type Compression = 'none' | 'gzip' | 'lz4' | 'zstd';

export const COMPRESSION_TYPES: Record<Compression, kafkajs.CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

const ZSTD_LEVEL = 3;
/** A frame without its content size (streaming producers, e.g. the Java client) is decoded into a buffer
 * that doubles until it fits, up to this: larger than any batch a broker hands out by default. */
const ZSTD_MAX_OUT = 512 * 1024 * 1024;

let zstdReady: Promise<void> | undefined;
const initZstd = () => (zstdReady ??= zstd.init());

interface Encoder {
  buffer: Buffer;
}

const lz4Codec = {
  async compress(encoder: Encoder): Promise<Buffer> {
    return lz4.compressFrame(encoder.buffer);
  },
  async decompress(buffer: Buffer): Promise<Buffer> {
    return lz4.decompressFrame(buffer);
  },
};

const zstdCodec = {
  async compress(encoder: Encoder): Promise<Buffer> {
    await initZstd();
    const out = zstd.compress(encoder.buffer, ZSTD_LEVEL);
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  },
  async decompress(buffer: Buffer): Promise<Buffer> {
    await initZstd();
    return zstdDecompress(buffer);
  },
};

function zstdDecompress(buffer: Buffer): Buffer {
  let heap = Math.max(1 << 20, buffer.length * 16);
  for (;;) {
    try {
      const out = zstd.decompress(buffer, { defaultHeapSize: heap });
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    } catch (err) {
      // The content size is in the frame header when the producer knew it; then the first try is exact. Only
      // zstd's dstSize_tooSmall (70) means "try a larger buffer"; other errors are corrupt input.
      if (!/code -70$/.test((err as Error).message) || heap >= ZSTD_MAX_OUT) throw err;
      heap = Math.min(ZSTD_MAX_OUT, heap * 4);
    }
  }
}

let registered = false;

/** Makes kafkajs able to write and read lz4 and zstd batches. Idempotent. */
export function registerCodecs(): void {
  if (registered) return;
  registered = true;
  CompressionCodecs[CompressionTypes.LZ4] = () => lz4Codec;
  CompressionCodecs[CompressionTypes.ZSTD] = () => zstdCodec;
}

/** For tests and `validate`: the codecs round-trip on this machine. */
export async function codecSelfTest(kind: Compression): Promise<boolean> {
  if (kind === 'none' || kind === 'gzip') return true;
  const sample = Buffer.from('logship codec self-test '.repeat(64));
  const codec = kind === 'lz4' ? lz4Codec : zstdCodec;
  const back = await codec.decompress(await codec.compress({ buffer: sample }));
  return back.equals(sample);
}
