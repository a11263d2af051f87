// Checkpoints: per file, the offset below which Kafka acknowledged every line. Written atomically (temp file
// created exclusively and 0600, fsync, rename, fsync of the directory) with a checksum; validated on load. A
// corrupt file is moved aside and reported, and the agent then reads every file from the beginning: duplicates
// (deduplicated by id), never a gap.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LogshipError } from '../../common/errors.js';
import { openExclusive } from './private-files.js';

export interface FileCheckpoint {
  identity: string;
  dev: number;
  ino: number;
  path: string;
  offset: number;
  /** sha256 (hex) of the first fpLen bytes: tells this file from another that reuses the inode. */
  fp: string;
  fpLen: number;
  generation: number;
  firstSeen: number;
  /** When its offset last moved (not when it was last written: an idle file's entry stays the same). */
  updated: number;
  /** sha256 of the tailLen bytes before offset: recognises a copy (copytruncate) made while we were stopped. */
  tailFp?: string;
  tailLen?: number;
}

export interface StreamCheckpoint {
  /** Stream id: stable across restarts, so re-sent spooled lines keep their ids. */
  identity: string;
  seq: number;
}

/** A generation of a file that was truncated: kept so a copy made by copytruncate resumes where it stopped. */
export interface RetiredGeneration {
  identity: string;
  fp: string;
  fpLen: number;
  /** Where reading stopped: the copy must have the same bytes just before it. */
  offset: number;
  /** Where the copy continues: the acknowledged watermark (lines after it may still be in flight, and a crash
   * would lose them if the copy skipped them; re-reading them gives the same ids). */
  resumeAt: number;
  /** sha256 of the tailLen bytes before offset: a copy has the same bytes there. */
  tailFp: string;
  tailLen: number;
  firstSeen: number;
  retiredAt: number;
}

export interface CheckpointState {
  files: Record<string, FileCheckpoint>;
  streams: Record<string, StreamCheckpoint>;
  /** Truncated generations whose copy may not have been found yet: they must survive a restart, or a copy
   * found after a crash is read again under a new identity (duplicate documents). */
  retired?: RetiredGeneration[];
}

export interface LoadResult {
  state: CheckpointState;
  /** Set when the file existed but could not be trusted. */
  corrupt?: { reason: string; movedTo: string };
}

const VERSION = 1;

function checksum(state: CheckpointState): string {
  return createHash('sha256').update(JSON.stringify(state)).digest('hex');
}

export function checkpointPath(dataDir: string): string {
  return path.join(dataDir, 'checkpoints.json');
}

function validRetired(e: unknown): e is RetiredGeneration {
  const x = e as RetiredGeneration;
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof x.identity === 'string' &&
    typeof x.fp === 'string' &&
    typeof x.tailFp === 'string' &&
    [x.fpLen, x.offset, x.resumeAt, x.tailLen].every((n) => Number.isInteger(n) && n >= 0)
  );
}

function validEntry(e: unknown): e is FileCheckpoint {
  const x = e as FileCheckpoint;
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof x.identity === 'string' &&
    Number.isInteger(x.offset) &&
    x.offset >= 0 &&
    Number.isInteger(x.ino) &&
    typeof x.fp === 'string' &&
    Number.isInteger(x.fpLen) &&
    Number.isInteger(x.generation)
  );
}

/** The state in a checkpoint file's text, or why it cannot be trusted. Pure: also what tests check files with. */
export function parseCheckpoints(text: string): { state: CheckpointState } | { reason: string } {
  try {
    const doc = JSON.parse(text) as { version: number; sha256: string; state: CheckpointState };
    if (doc.version !== VERSION) return { reason: `unknown version ${doc.version}` };
    if (!doc.state || typeof doc.state.files !== 'object') return { reason: 'missing state' };
    if (checksum(doc.state) !== doc.sha256) return { reason: 'checksum mismatch' };
    if (!Object.values(doc.state.files).every(validEntry)) return { reason: 'invalid entry' };
    if (doc.state.retired !== undefined && !(Array.isArray(doc.state.retired) && doc.state.retired.every(validRetired)))
      return { reason: 'invalid retired generation' };
    return { state: { files: doc.state.files, streams: doc.state.streams ?? {}, retired: doc.state.retired ?? [] } };
  } catch (err) {
    return { reason: `not JSON (${(err as Error).message})` };
  }
}

export function loadCheckpoints(dataDir: string, now: () => number = Date.now): LoadResult {
  const file = checkpointPath(dataDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: { files: {}, streams: {} } };
    throw new LogshipError('LOGSHIP_ERR_CHECKPOINT_CORRUPT', `cannot read ${file}: ${(err as Error).message}`);
  }
  const parsed = parseCheckpoints(text);
  if ('state' in parsed) return parsed;
  const reason = parsed.reason;
  const movedTo = `${file}.corrupt-${now()}`;
  try {
    fs.renameSync(file, movedTo);
  } catch {
    /* keep going: the next write replaces it */
  }
  return { state: { files: {}, streams: {} }, corrupt: { reason, movedTo } };
}

/** Atomic replace: a crash at any point leaves either the old or the new file, whole. */
export function writeCheckpoints(dataDir: string, state: CheckpointState, stateJson = JSON.stringify(state)): void {
  const file = checkpointPath(dataDir);
  const tmp = `${file}.tmp`;
  // The state is serialised once (it is most of the file: 10,000 files make megabytes); the same text as
  // JSON.stringify of the whole document, whose key order is this.
  const sha256 = createHash('sha256').update(stateJson).digest('hex');
  const body = `{"version":${VERSION},"written_at":${JSON.stringify(new Date().toISOString())},"sha256":"${sha256}","state":${stateJson}}`;
  let fd: number | undefined;
  try {
    fd = openExclusive(tmp);
    const buf = Buffer.from(body);
    const n = fs.writeSync(fd, buf);
    // A disk that fills up mid-write takes part of it and says so only by the count: renamed, that part would
    // be a torn checkpoint.
    if (n < buf.length) throw Object.assign(new Error(`short write (${n} of ${buf.length} bytes)`), { code: 'ENOSPC' });
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
    const dfd = fs.openSync(dataDir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* nothing to clean */
    }
    throw new LogshipError(
      'LOGSHIP_ERR_CHECKPOINT_WRITE',
      `cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      {
        retriable: true,
        cause: err,
      },
    );
  }
}
