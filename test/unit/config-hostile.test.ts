// Config input that is not what the schema expects: keys that name Object.prototype's properties, secret files
// that are too large or readable by others, and which variables a secret was read from.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogshipError } from '../../common/errors.js';
import { loadConfig, newLoadReport, type LoadOptions } from '../../config/loader.js';
import { MAX_SECRET_FILE_BYTES, readSecretFile } from '../../config/secret-files.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'logship-hostile-'));

function problems(opts: LoadOptions): Array<{ path: string; reason: string }> {
  try {
    loadConfig(opts);
  } catch (err) {
    expect(err).toBeInstanceOf(LogshipError);
    return (err as LogshipError).details.problems as Array<{ path: string; reason: string }>;
  }
  return [];
}

function secretFile(name: string, content: string | Buffer, mode: number): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, content);
  fs.chmodSync(f, mode);
  return f;
}

describe("keys named after Object.prototype's properties", () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'])('%s is an unknown key, at any depth', (key) => {
    const text = `${key}: 1\nkafka:\n  ${key}: x\n  sasl:\n    ${key}: {a: 1}\n`;
    expect(problems({ text }).map((p) => [p.path, p.reason])).toEqual([
      [key, 'unknown key'],
      [`kafka.${key}`, 'unknown key'],
      [`kafka.sasl.${key}`, 'unknown key'],
    ]);
  });

  it('in --set and as ${VAR}: unknown key, unset variable', () => {
    expect(problems({ sets: ['constructor=1', '__proto__.polluted=1'] }).map((p) => p.path)).toEqual(['constructor', '__proto__.polluted']);
    expect(problems({ text: 'host_name: ${toString}\n', env: {} })).toEqual([
      { path: 'host_name', reason: 'environment variable toString is not set (use ${toString:-default} for a default)' },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('secret files', () => {
  it(`refuses one larger than ${MAX_SECRET_FILE_BYTES / 1024} KiB, naming the key; one of exactly that size is read`, () => {
    const big = secretFile('big', Buffer.alloc(MAX_SECRET_FILE_BYTES + 1, 'a'), 0o600);
    expect(problems({ text: `elasticsearch:\n  api_key_file: ${big}\n` })).toEqual([
      { path: 'elasticsearch.api_key_file', reason: `${big} is larger than 64 KiB: not a secret file (a wrong path?)` },
    ]);
    const fits = secretFile('fits', Buffer.alloc(MAX_SECRET_FILE_BYTES, 'b'), 0o600);
    expect(loadConfig({ text: `elasticsearch:\n  api_key_file: ${fits}\n` }).elasticsearch.api_key).toHaveLength(MAX_SECRET_FILE_BYTES);
  });

  it('refuses a device that never ends, and a directory', () => {
    expect(readSecretFile('/dev/zero')).toEqual({
      ok: false,
      reason: '/dev/zero is larger than 64 KiB: not a secret file (a wrong path?)',
    });
    expect(readSecretFile(tmp)).toEqual({ ok: false, reason: `cannot read ${tmp}: EISDIR` });
  });

  it('warns, and still uses it, when every user can read it', () => {
    const f = secretFile('world', 's3cret\n', 0o644);
    const report = newLoadReport();
    expect(loadConfig({ text: `kafka:\n  sasl:\n    password_file: ${f}\n`, report }).kafka.sasl.password).toBe('s3cret');
    expect(report.warnings).toEqual([
      `kafka.sasl.password_file: ${f} is readable by every user (mode 0644): chmod o-r it (0600, or 0640 with the service's group)`,
    ]);
  });

  it("group-readable: fine when the group is the process's own (root:logship 0640), a warning for another group", () => {
    const f = secretFile('group', 's3cret', 0o640);
    const gid = fs.statSync(f).gid;
    expect(readSecretFile(f, { egid: gid })).toEqual({ ok: true, value: 's3cret', warning: undefined });
    const other = readSecretFile(f, { egid: gid + 1 });
    expect(other.ok && other.warning).toBe(
      `${f} is readable by group ${gid}, not the process's own group (mode 0640): chmod g-r it, or chgrp it to the service's group`,
    );
    expect(readSecretFile(secretFile('private', 's3cret', 0o600), { egid: gid + 1 })).toEqual({
      ok: true,
      value: 's3cret',
      warning: undefined,
    });
  });
});

describe('variables a secret was read from', () => {
  it('are the ${VAR}s of secret values (defaults included), not those of other keys', () => {
    const report = newLoadReport();
    loadConfig({
      text: [
        'kafka:',
        '  brokers: ["${BROKER}"]',
        '  sasl: {mechanism: plain, username: "${KAFKA_USER}", password: "${KAFKA_PW}"}',
        'elasticsearch:',
        '  url: "${ES_URL:-http://127.0.0.1:9200}"',
        '  api_key: "${ES_KEY:-}"',
        '',
      ].join('\n'),
      env: { BROKER: 'k:9092', KAFKA_USER: 'u', KAFKA_PW: 'pw' },
      report,
    });
    expect([...report.secretEnv].sort()).toEqual(['ES_KEY', 'ES_URL', 'KAFKA_PW']);
  });
});
