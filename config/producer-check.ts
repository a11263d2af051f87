// What the chosen Kafka producer cannot do, found when the config is loaded (so `logship validate` says it) rather
// than at the first produce request.
import zlib from 'node:zlib';
import type { Config } from './types.js';

/** node:zlib has zstd from Node 22.15 (and 23.8); @platformatic/kafka 1.x compresses zstd with it. */
export const ZLIB_HAS_ZSTD = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';

export function producerProblems(cfg: Config, zlibHasZstd = ZLIB_HAS_ZSTD, node = process.version): { path: string; reason: string }[] {
  if (cfg.kafka.producer === 'platformatic' && cfg.agent.compression === 'zstd' && !zlibHasZstd)
    return [
      {
        path: 'agent.compression',
        reason:
          `zstd is not available with kafka.producer: platformatic on Node ${node}: @platformatic/kafka compresses zstd with ` +
          'node:zlib, which has zstd only from Node 22.15. Use lz4, gzip or snappy, or kafka.producer: kafkajs',
      },
    ];
  return [];
}
