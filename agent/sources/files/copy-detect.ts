// Is a file a copy of a generation (copytruncate)? It has the generation's first bytes and, where reading
// stopped, the same bytes before that point. docs/DESIGN.md "File identity".
import fs from 'node:fs';
import type { RetiredGeneration } from '../../state/checkpoint-store.js';
import { FP_MAX, fingerprint, readPrefix } from './identity.js';

/** The first `fpLen` bytes at `fd` still have fingerprint `fp` (an empty prefix always does). */
export function samePrefix(fd: number, fp: string, fpLen: number): boolean {
  return fpLen === 0 || fingerprint(readPrefix(fd, fpLen)) === fp;
}

/** A retired generation matches a file that has its first bytes and the bytes just before where it stopped. */
export function isCopyOf(r: RetiredGeneration, fd: number, size: number): boolean {
  if (r.fpLen === 0 || size < r.offset || size < r.fpLen || r.tailLen > r.offset) return false;
  if (!samePrefix(fd, r.fp, r.fpLen)) return false;
  if (r.tailLen === 0) return true;
  const buf = Buffer.alloc(r.tailLen);
  const n = fs.readSync(fd, buf, 0, r.tailLen, r.offset - r.tailLen);
  return n === r.tailLen && fingerprint(buf) === r.tailFp;
}

/**
 * Is the file at `fd` (size `size`) a copy of the generation being read at `src.fd` (first bytes `src.fp`)?
 * Same first bytes, and the same last bytes as the source has at that length.
 */
export function looksCopied(src: { fd: number; fp: string; fpLen: number }, fd: number, size: number): boolean {
  if (src.fpLen === 0 || size < src.fpLen) return false;
  if (!samePrefix(fd, src.fp, src.fpLen)) return false;
  // We have not noticed yet that the source was truncated and rewritten: it is likely a copy.
  if (!samePrefix(src.fd, src.fp, src.fpLen)) return true;
  // A copy in progress is a prefix of its source: compare the copy's last bytes with the source's at the same place.
  const ours = fs.fstatSync(src.fd).size;
  // Larger than the source now: the source may have just been truncated (we will see it on our next read).
  if (size > ours) return true;
  const len = Math.min(FP_MAX, size);
  const a = Buffer.alloc(len);
  const b = Buffer.alloc(len);
  const na = fs.readSync(src.fd, a, 0, len, size - len);
  const nb = fs.readSync(fd, b, 0, len, size - len);
  return na === len && nb === len && a.equals(b);
}
