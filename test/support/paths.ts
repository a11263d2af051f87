// Where things are: the repository, the CLI, a fresh temp directory. No side effects, so unit tests import it too.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const BIN = path.join(ROOT, 'bin/logship.js');

export function tmpDir(prefix = 'logship-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
