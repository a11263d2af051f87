// File identity. A file is known by device+inode, checked against a fingerprint of its first bytes (and its
// birth time where the file system reports one), because inodes are reused after deletion. The identity that
// goes into event ids is a hash that is never reused: it includes the generation (bumped on truncation) and the
// time the file was first seen. Rationale and cases: docs/DESIGN.md "File identity".
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { FileCheckpoint } from './checkpoint-store.js';

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

export function newIdentity(dev: number, ino: number, generation: number, firstSeen: number, salt = ''): string {
  return createHash('sha256').update(`${dev}:${ino}:${generation}:${firstSeen}:${salt}`).digest('hex').slice(0, 24);
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
  if (st.size < cp.fpLen) return false;
  if (cp.fpLen === 0) return true;
  return fingerprint(readPrefix(fd, cp.fpLen)) === cp.fp;
}
