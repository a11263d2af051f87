// File identity. A file is known by device+inode, checked against a fingerprint of its first bytes (and its
// birth time where the file system reports one), because inodes are reused after deletion. The identity that
// goes into event ids is a hash that is never reused: it includes the generation (bumped on truncation) and the
// time the file was first seen. Rationale and cases: docs/DESIGN.md "File identity".
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { FileCheckpoint } from '../../state/checkpoint-store.js';

export const FP_MAX = 1024;

export function fingerprint(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

export function readPrefix(fd: number, len: number): Buffer {
  const buf = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const n = fs.readSync(fd, buf, got, len - got, got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/**
 * The identity of a file generation, computed from the file itself so that it is the same after a lost
 * checkpoint: device, inode, birth time (where the file system has one), the first line (up to 1024 bytes), and
 * the generation (bumped on truncation). Two files that share a first line differ by inode or birth time; a
 * reused inode differs by birth time (or, where there is none, by its first line).
 */
export function identityFor(dev: number, ino: number, birthMs: number, head: Buffer, generation: number): string {
  return createHash('sha256')
    .update(JSON.stringify(['file', dev, ino, Math.round(birthMs * 1000), generation]))
    .update(head)
    .digest('hex')
    .slice(0, 24);
}

/**
 * The bytes the identity is computed from: up to and including the first newline, at most FP_MAX. Undefined
 * while the file has no newline in fewer than FP_MAX bytes, unless `force` (a line is about to be sent).
 */
export function headOf(fd: number, force: boolean): Buffer | undefined {
  const buf = readPrefix(fd, FP_MAX);
  const nl = buf.indexOf(0x0a);
  if (nl !== -1) return buf.subarray(0, nl + 1);
  if (buf.length === FP_MAX || (force && buf.length > 0)) return buf;
  return undefined;
}

/** Fingerprints of the first `len` bytes of the file at `fd`, for any len up to FP_MAX, from one read; undefined
 * for a len past the file's end. Comparing a new file with many others costs one read, not one each. */
export function prefixFingerprints(fd: number, size: number): (len: number) => string | undefined {
  const head = readPrefix(fd, Math.min(FP_MAX, size));
  const memo = new Map<number, string>();
  return (len) => {
    if (len > head.length) return undefined;
    let fp = memo.get(len);
    if (fp === undefined) memo.set(len, (fp = fingerprint(head.subarray(0, len))));
    return fp;
  };
}

/** Extends the fingerprint of the first bytes to cover the first `upTo` (at most FP_MAX) once more are read. */
export function growFingerprint(entry: { fp: string; fpLen: number }, fd: number, upTo: number): void {
  if (entry.fpLen >= FP_MAX || upTo <= entry.fpLen) return;
  entry.fpLen = Math.min(FP_MAX, upTo);
  entry.fp = fingerprint(readPrefix(fd, entry.fpLen));
}

/** The identity's bytes from a first chunk read at offset 0: as headOf, from bytes in hand. */
export function headOfChunk(chunk: Buffer, force: boolean): Buffer | undefined {
  const nl = chunk.indexOf(0x0a);
  if (nl !== -1 && nl < FP_MAX) return chunk.subarray(0, nl + 1);
  if (chunk.length >= FP_MAX || force) return chunk.subarray(0, Math.min(FP_MAX, chunk.length));
  return undefined;
}

/** The fingerprint of the (up to FP_MAX) bytes before `end`; undefined when they cannot all be read. */
export function fingerprintBefore(fd: number, end: number): { fp: string; len: number } | undefined {
  const len = Math.min(FP_MAX, end);
  const buf = Buffer.alloc(len);
  const n = len === 0 ? 0 : fs.readSync(fd, buf, 0, len, end - len);
  return n === len ? { fp: fingerprint(buf), len } : undefined;
}

export function fileKey(st: { dev: number; ino: number }): string {
  return `${st.dev}:${st.ino}`;
}

/**
 * Is the file open at `fd` the one the checkpoint describes? Same inode is given; the fingerprint of the first
 * cp.fpLen bytes must match and the file must be at least that long, and the birth time must match when known.
 */
export function sameFile(cp: FileCheckpoint & { birth?: number }, fd: number, st: fs.Stats): boolean {
  if (cp.birth && st.birthtimeMs && Math.abs(cp.birth - st.birthtimeMs) > 1) return false;
  // Shorter than what we read: truncated in place (copytruncate while we were stopped). The caller starts a new
  // generation, so even a reused inode cannot inherit the old ids.
  if (st.size < cp.offset) return true;
  if (st.size < cp.fpLen) return false;
  if (cp.fpLen === 0) return true;
  return fingerprint(readPrefix(fd, cp.fpLen)) === cp.fp;
}
