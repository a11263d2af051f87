// Files of the state directory are the agent's alone: checkpoints say what was read, the journal and the spool
// hold log lines. They are created 0600 (directories 0700), and a temp file is never written through whatever
// already is at its name.
import fs from 'node:fs';

/**
 * Creates `file` for writing, owner only, exclusively (O_EXCL): a temp file left by a crash, or a link planted
 * at the name to make us overwrite another file, is removed first; one put back in between makes the create fail
 * (EEXIST) rather than be written through.
 */
export function openExclusive(file: string): number {
  fs.rmSync(file, { force: true });
  return fs.openSync(file, 'wx', 0o600);
}

/** writeFileSync options for a temp file, after `fs.rmSync(file, { force: true })`: as openExclusive. */
export const EXCLUSIVE_CREATE = { flag: 'wx', mode: 0o600 } as const;
