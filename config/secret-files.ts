// password_file, api_key_file: a secret read from a file, with the checks ssh makes of a private key. A file
// larger than MAX_SECRET_FILE_BYTES is refused (a wrong path, /dev/zero or a log file is not a password and
// must not be read whole); one that others can read is used, with a warning. "Others" is world-readable, or
// group-readable by a group that is not the process's own (root:logship 0640 read by the logship user, as
// docs/OPERATIONS.md recommends, is fine; root:adm 0640 is readable by everyone in adm).
import fs from 'node:fs';

export const MAX_SECRET_FILE_BYTES = 64 * 1024;

export type SecretFileResult = { ok: true; value: string; warning?: string } | { ok: false; reason: string };

export interface SecretFileHost {
  /** The process's effective group id (undefined where there are none: Windows). */
  egid?: number;
}

const defaultHost = (): SecretFileHost => ({ egid: typeof process.getegid === 'function' ? process.getegid() : undefined });

/** The trimmed content of a secret file, or why it cannot be used. */
export function readSecretFile(file: string, host: SecretFileHost = defaultHost()): SecretFileResult {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) return { ok: false, reason: `cannot read ${file}: EISDIR` };
    // Read one byte past the limit whatever stat says: a pipe or a device reports no size.
    const buf = Buffer.alloc(MAX_SECRET_FILE_BYTES + 1);
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = fs.readSync(fd, buf, n, buf.length - n, null);
    if (n > MAX_SECRET_FILE_BYTES)
      return { ok: false, reason: `${file} is larger than ${MAX_SECRET_FILE_BYTES / 1024} KiB: not a secret file (a wrong path?)` };
    return { ok: true, value: buf.subarray(0, n).toString('utf8').trim(), warning: exposure(file, st, host) };
  } catch (err) {
    return { ok: false, reason: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function exposure(file: string, st: fs.Stats, host: SecretFileHost): string | undefined {
  if (host.egid === undefined || !st.isFile()) return undefined;
  const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
  if (st.mode & 0o004) return `${file} is readable by every user (mode ${mode}): chmod o-r it (0600, or 0640 with the service's group)`;
  if (st.mode & 0o040 && st.gid !== host.egid)
    return `${file} is readable by group ${st.gid}, not the process's own group (mode ${mode}): chmod g-r it, or chgrp it to the service's group`;
  return undefined;
}
