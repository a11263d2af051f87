// `logship run` against the real Kafka: the wrapped command prints its whole environment, and what reaches the
// topic has no LOGSHIP_* variable and none of the configured secrets; process.command_line follows
// run.command_line (the command's name by default, its whole argv only on request).
import { describe, expect, it } from 'vitest';
import { ES, makeEnv, readTopic, run } from '../support/helpers.js';
import { waitShipped } from '../support/agent-harness.js';

const SECRETS = {
  LOGSHIP_KAFKA_SASL_PASSWORD: 'Sasl-Secret-55', // a LOGSHIP_* variable: never handed to the child
  RUNENV_ES_PW: 'Es-Secret-66', // read by `password: ${RUNENV_ES_PW}`
  RUNENV_ES_URL: `http://elastic:Url-Secret-77@${ES.replace(/^http:\/\//, '')}`, // read by `url: ${RUNENV_ES_URL}`
};
const PRINT_ENV = "for (const [k, v] of Object.entries(process.env)) console.log(k + '=' + v); console.log('env printed')";

describe('logship run: what the command is handed, what is shipped of it', () => {
  it('the child sees no LOGSHIP_* variable and no secret variable; Kafka gets none of their values', async () => {
    const env = makeEnv('runenv', { elasticsearch: { url: '${RUNENV_ES_URL}', username: 'elastic', password: '${RUNENV_ES_PW}' } });
    const r = await run(['run', '--source', 'envdump', '-c', env.config, '--', process.execPath, '-e', PRINT_ENV], {
      env: { ...SECRETS, LOGSHIP_LOG_LEVEL: 'info', RUNENV_HARMLESS: 'visible-value' },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('RUNENV_HARMLESS=visible-value'); // the rest of the environment is passed on
    expect(r.stdout).not.toMatch(/^LOGSHIP_/m);
    const s = await waitShipped(env, ['env printed', 'RUNENV_HARMLESS=visible-value', 'process exited with code 0']);
    const names = s.events.map((e) => e.message.split('=')[0]);
    expect(names.filter((n) => n.toUpperCase().startsWith('LOGSHIP_'))).toEqual([]);
    expect(names).not.toContain('RUNENV_ES_PW');
    expect(names).not.toContain('RUNENV_ES_URL');
    const raw = (await readTopic(env.topic)).map((rec) => rec.value).join('\n');
    for (const secret of ['Sasl-Secret-55', 'Es-Secret-66', 'Url-Secret-77']) expect(raw).not.toContain(secret);
    // Nor in our own logs.
    for (const secret of ['Sasl-Secret-55', 'Es-Secret-66', 'Url-Secret-77']) expect(r.stderr).not.toContain(secret);
    const exit = s.events.find((e) => e.message === 'process exited with code 0')!;
    expect(exit.process?.command_line).toBe(process.execPath); // name: no arguments
  });

  it('run.command_line=full ships the whole argv, as documented', async () => {
    const env = makeEnv('runargv', { run: { command_line: 'full' } });
    const r = await run(['run', '--source', 'argv', '-c', env.config, '--', process.execPath, '-e', "console.log('argv shipped')"]);
    expect(r.code).toBe(0);
    const s = await waitShipped(env, ['argv shipped', 'process exited with code 0']);
    const exit = s.events.find((e) => e.message === 'process exited with code 0')!;
    expect(exit.process?.command_line).toBe(`${process.execPath} -e console.log('argv shipped')`);
  });
});
