// What a compressed frame will decompress to, read from its headers before anything is decompressed (pure): the
// bound on the sink's side must hold before a single byte is inflated, and neither codec library takes a limit.

const LZ4_MAGIC = 0x184d2204;
const ZSTD_MAGIC = 0xfd2fb528;
const isSkippable = (magic: number) => magic >>> 4 === 0x184d2a5;

export type SizeVerdict = { bytes: number } | { problem: string };

/**
 * The most an LZ4 frame sequence can decompress to: each block at most its frame's block maximum and 256 times its
 * own size (a stored block: its size). Encoders fill every block but the last, so for full blocks this is exact.
 */
export function lz4MaxDecompressedSize(buf: Buffer): SizeVerdict {
  const bad = (why: string) => ({ problem: `not a valid LZ4 frame: ${why}` });
  let i = 0;
  let total = 0;
  while (i < buf.length) {
    if (i + 4 > buf.length) return bad('truncated');
    const magic = buf.readUInt32LE(i);
    if (isSkippable(magic)) {
      if (i + 8 > buf.length) return bad('truncated');
      i += 8 + buf.readUInt32LE(i + 4);
      continue;
    }
    if (magic !== LZ4_MAGIC) return bad(`magic number ${magic.toString(16)}`);
    if (i + 7 > buf.length) return bad('truncated');
    const flg = buf[i + 4];
    const bd = buf[i + 5];
    if (flg >> 6 !== 1) return bad(`version ${flg >> 6}`);
    const blockChecksums = (flg >> 4) & 1;
    const hasSize = (flg >> 3) & 1;
    const contentChecksum = (flg >> 2) & 1;
    const hasDict = flg & 1;
    const blockMaxId = (bd >> 4) & 7;
    if (blockMaxId < 4) return bad(`block size id ${blockMaxId}`);
    const blockMax = 1 << (8 + 2 * blockMaxId); // 64 KiB, 256 KiB, 1 MiB, 4 MiB
    i += 6;
    let declared: number | undefined;
    if (hasSize) {
      if (i + 8 > buf.length) return bad('truncated');
      declared = Number(buf.readBigUInt64LE(i));
      i += 8;
    }
    i += (hasDict ? 4 : 0) + 1; // dictionary id, header checksum
    let frame = 0;
    for (;;) {
      if (i + 4 > buf.length) return bad('truncated');
      const b = buf.readUInt32LE(i);
      i += 4;
      if (b === 0) break; // end mark
      const size = b & 0x7fffffff;
      if (size > blockMax) return bad(`a block of ${size} bytes in a frame of ${blockMax}-byte blocks`);
      // LZ4 writes at most 255 bytes per byte of input (a match length byte), so a small block cannot hold a big one.
      frame += b >>> 31 ? size : Math.min(blockMax, 256 * size + 64);
      i += size + (blockChecksums ? 4 : 0);
    }
    i += contentChecksum ? 4 : 0;
    if (declared !== undefined && declared > frame) return bad(`content size ${declared} is more than its blocks hold`);
    total += frame; // what the decoder may write before it checks the declared size
  }
  return { bytes: total };
}

/**
 * The content size the first zstd frame declares (what zstd-wasm allocates for it), `bytes: undefined` when the
 * frame does not say (streaming producers such as the Java client): only decompressing, bounded, tells then.
 */
export function zstdDeclaredSize(buf: Buffer): { bytes: number | undefined } | { problem: string } {
  const bad = (why: string) => ({ problem: `not a valid zstd frame: ${why}` });
  if (buf.length < 5) return bad('truncated');
  const magic = buf.readUInt32LE(0);
  if (magic !== ZSTD_MAGIC) return bad(isSkippable(magic) ? 'a skippable frame first' : `magic number ${magic.toString(16)}`);
  const fhd = buf[4];
  if (fhd & 0x08) return bad('reserved bit set');
  const single = (fhd >> 5) & 1;
  const at = 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3];
  const fcsBytes = [single ? 1 : 0, 2, 4, 8][fhd >> 6];
  if (fcsBytes === 0) return { bytes: undefined };
  if (at + fcsBytes > buf.length) return bad('truncated');
  if (fcsBytes === 1) return { bytes: buf[at] };
  if (fcsBytes === 2) return { bytes: buf.readUInt16LE(at) + 256 };
  if (fcsBytes === 4) return { bytes: buf.readUInt32LE(at) };
  return { bytes: Number(buf.readBigUInt64LE(at)) };
}
