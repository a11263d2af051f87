// The line a command that fails says on stderr before it exits: the error's message and code, with every secret
// of the configs this process loaded redacted (and any URL password, configured or not). Light on purpose:
// main.ts imports it for `--help` and `version` too.
import { LogshipError, errorMessage } from '../common/errors.js';
import { redactText } from '../common/redact.js';

// One process runs one command: the secrets of the configs it loaded are the ones its last words must not carry.
const loaded = new Set<string>();

/** Remembered by loadFromFlags for every config a command loads. */
export function noteSecrets(secrets: readonly string[]): void {
  for (const s of secrets) loaded.add(s);
}

export function fatalLine(err: unknown, secrets: readonly string[] = [...loaded]): string {
  const code = err instanceof LogshipError ? ` (${err.code})` : '';
  return redactText(`logship: ${errorMessage(err)}${code}\n`, secrets);
}
