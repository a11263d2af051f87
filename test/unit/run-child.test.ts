// What `logship run` hands its command: no LOGSHIP_* variable, no variable a secret was read from; and what the
// exit event says the command was.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { childEnvironment, commandLineFor } from '../../cli/child-env.js';
import { streamConfig } from '../../cli/shared.js';
import { loadConfig, newLoadReport } from '../../config/loader.js';

describe('childEnvironment', () => {
  it('drops every LOGSHIP_* variable (any case) and the named secret variables, keeps the rest', () => {
    const env = {
      PATH: '/usr/bin',
      HOME: '/home/u',
      LOGSHIP_KAFKA_SASL_PASSWORD: 'pw',
      LOGSHIP_KAFKA_BROKERS: 'k:9092',
      logship_lower: 'x',
      KAFKA_PW: 'pw',
      NOT_LOGSHIP_X: 'kept',
    };
    expect(childEnvironment(env, new Set(['KAFKA_PW']))).toEqual({ PATH: '/usr/bin', HOME: '/home/u', NOT_LOGSHIP_X: 'kept' });
    expect(env.LOGSHIP_KAFKA_BROKERS).toBe('k:9092'); // ours is untouched
  });

  it("with the variables run's config load reports", () => {
    vi.stubEnv('LOGSHIP_KAFKA_SASL_PASSWORD', 'from-env-pw');
    vi.stubEnv('H9_TEST_KAFKA_PW', 'interp-pw');
    vi.stubEnv('H9_TEST_OTHER', 'kept');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logship-runenv-'));
    const file = path.join(dir, 'c.yaml');
    fs.writeFileSync(file, `agent:\n  data_dir: ${dir}\nelasticsearch:\n  username: u\n  password: "\${H9_TEST_KAFKA_PW}"\n`);
    const report = newLoadReport();
    streamConfig({ config: file }, 'run', 'job', false, report);
    const child = childEnvironment(process.env, report.secretEnv);
    expect(Object.keys(child).filter((k) => k.startsWith('LOGSHIP_'))).toEqual([]);
    expect(child.H9_TEST_KAFKA_PW).toBeUndefined();
    expect(child.H9_TEST_OTHER).toBe('kept');
    expect(Object.values(child)).not.toContain('from-env-pw');
  });

  afterEach(() => vi.unstubAllEnvs());
});

describe('process.command_line', () => {
  it('name by default: argv can carry a password', () => {
    expect(loadConfig().run.command_line).toBe('name');
    expect(commandLineFor('name', '/usr/bin/mysql', ['-u', 'root', '-ps3cret'])).toBe('/usr/bin/mysql');
  });

  it('full and off on request', () => {
    expect(commandLineFor('full', 'java', ['-jar', 'app.jar'])).toBe('java -jar app.jar');
    expect(commandLineFor('off', 'java', ['-jar', 'app.jar'])).toBe('');
    expect(loadConfig({ env: { LOGSHIP_RUN_COMMAND_LINE: 'full' } }).run.command_line).toBe('full');
  });
});
