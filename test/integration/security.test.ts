// Security against real servers: the stack's Kafka listens with SSL, SASL_PLAINTEXT and SASL_SSL (PLAIN,
// SCRAM-SHA-256, SCRAM-SHA-512), and `stack.sh up-secure-es` runs a second Elasticsearch with security and HTTPS
// on (stack/stack.sh). The real `logship` processes ship, index, search and check through them; wrong credentials
// and CAs stop with exit 78 and say why; no configured secret appears in any process's output.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointOf, lines, append, waitShipped, expectExactly } from '../support/agent-harness.js';
import { logship, makeEnv, ROOT, run, tmpDir, uniq, waitFor, type Proc, type TestEnv } from '../support/helpers.js';
import { committedOffsets, deriveConfig, stackSh } from '../support/sink-helpers.js';

/** The secured endpoints and credentials of this run's stack instance, from `stack.sh env`. */
function stackEnv(): Record<string, string> {
  const r = spawnSync('bash', [path.join(ROOT, 'stack/stack.sh'), 'env'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`stack.sh env failed: ${r.stderr}`);
  return Object.fromEntries(
    r.stdout
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

const S = stackEnv();
const CA = S.LOGSHIP_STACK_CA_FILE;
const ES_URL = S.LOGSHIP_STACK_ES_SECURE_URL;
const SCRAM = { username: S.LOGSHIP_STACK_KAFKA_SCRAM_USER, password: S.LOGSHIP_STACK_KAFKA_SCRAM_PASSWORD };
const ES_USER = { username: S.LOGSHIP_STACK_ES_USER, password: S.LOGSHIP_STACK_ES_PASSWORD };
const tlsOn = { enabled: true, ca_file: CA };
const sasl = (mechanism: string, extra: Record<string, unknown>) => ({ mechanism, username: SCRAM.username, ...extra });

// Every secret any process below is configured with (right and wrong), and everything those processes printed.
const secrets: string[] = [
  S.LOGSHIP_STACK_KAFKA_PLAIN_PASSWORD,
  SCRAM.password,
  ES_USER.password,
  Buffer.from(`${ES_USER.username}:${ES_USER.password}`).toString('base64'), // the basic auth header's value
];
const outputs: Array<() => string> = [];
const track = (p: Proc) => (outputs.push(() => p.stdout() + p.stderr()), p);
const runTracked = async (args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}) => {
  const r = await run(args, opts);
  outputs.push(() => r.stdout + r.stderr);
  return r;
};

/** A file holding `text` (password_file, api_key_file, a wrong CA), mode 0600 like a real secret file. */
const secretDir = tmpDir('logship-secrets-');
function secretFile(name: string, text: string): string {
  const f = path.join(secretDir, `${uniq(name)}`);
  fs.writeFileSync(f, text + '\n', { mode: 0o600 });
  return f;
}

/** A valid CA that did not sign the stack's certificates: the first of Node's built-in public roots. */
const wrongCa = () => secretFile('wrong-ca.pem', tls.rootCertificates[0]);

/** A request to the secured Elasticsearch over HTTPS with the stack's CA, as basic auth or with an API key. */
function esSecure(method: string, p: string, auth: { basic?: typeof ES_USER; apiKey?: string }, body?: unknown): Promise<any> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth.basic) headers.authorization = `Basic ${Buffer.from(`${auth.basic.username}:${auth.basic.password}`).toString('base64')}`;
  if (auth.apiKey) headers.authorization = `ApiKey ${auth.apiKey}`;
  return new Promise((resolve, reject) => {
    const req = https.request(`${ES_URL}${p}`, { method, headers, ca: fs.readFileSync(CA) }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () =>
        res.statusCode! < 300
          ? resolve(JSON.parse(text || '{}'))
          : reject(new Error(`${method} ${p}: ${res.statusCode} ${text.slice(0, 300)}`)),
      );
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function secureCount(prefix: string, auth: { basic?: typeof ES_USER; apiKey?: string }): Promise<number> {
  await esSecure('POST', `/${prefix}-*/_refresh?ignore_unavailable=true&allow_no_indices=true`, auth);
  return (await esSecure('POST', `/${prefix}-*/_count?ignore_unavailable=true&allow_no_indices=true`, auth)).count ?? 0;
}

/** Starts an agent on env, writes `n` lines, and waits until every one is in the topic (read over PLAINTEXT). */
async function shipThrough(env: TestEnv, n: number, procEnv: Record<string, string> = {}) {
  const want = lines(path.basename(env.dir), 0, n);
  append(path.join(env.logs, 'app.log'), want);
  const agent = track(logship(['agent', '-c', env.config], { env: procEnv }));
  const exited = agent.exited.then((code) => {
    throw new Error(`agent exited ${code}: ${agent.stderr().slice(-1500)}`);
  });
  const s = await Promise.race([waitShipped(env, want, 30_000), exited]);
  exited.catch(() => undefined);
  expectExactly(s, want);
  expect(await agent.stop()).toBe(0);
}

describe('security: TLS and SASL to Kafka, HTTPS and auth to Elasticsearch, secrets never logged', () => {
  // The secured Elasticsearch starts in the background while the Kafka-only tests run (it takes ~30 s).
  let secureEs: Promise<void>;
  const esUp = () => secureEs;

  beforeAll(() => {
    secureEs = new Promise((resolve, reject) => {
      const child = spawn('bash', [path.join(ROOT, 'stack/stack.sh'), 'up-secure-es'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`stack.sh up-secure-es exited ${code}: ${err.slice(-2000)}`))));
    });
    secureEs.catch(() => undefined); // reported by the tests that need it
  });

  afterAll(async () => {
    await secureEs.catch(() => undefined);
    stackSh(['down-secure-es']);
    fs.rmSync(secretDir, { recursive: true, force: true });
  });

  it('agent ships over SSL with the CA file', async () => {
    const env = makeEnv('sec-ssl', { kafka: { brokers: [S.LOGSHIP_STACK_KAFKA_SSL_BROKERS], tls: tlsOn } });
    await shipThrough(env, 20);
  });

  it('agent ships over SASL_PLAINTEXT with PLAIN, the password from ${VAR}', async () => {
    const env = makeEnv('sec-plain', {
      kafka: {
        brokers: [S.LOGSHIP_STACK_KAFKA_SASL_PLAINTEXT_BROKERS],
        sasl: { mechanism: 'plain', username: S.LOGSHIP_STACK_KAFKA_PLAIN_USER, password: '${SEC_TEST_PLAIN_PASSWORD}' },
      },
    });
    await shipThrough(env, 20, { SEC_TEST_PLAIN_PASSWORD: S.LOGSHIP_STACK_KAFKA_PLAIN_PASSWORD });
  });

  it('agent ships over SASL_SSL with SCRAM-SHA-256, the password from password_file', async () => {
    const pw = secretFile('kafka.password', SCRAM.password);
    const env = makeEnv('sec-scram256', {
      kafka: { brokers: [S.LOGSHIP_STACK_KAFKA_SASL_SSL_BROKERS], tls: tlsOn, sasl: sasl('scram-sha-256', { password_file: pw }) },
    });
    await shipThrough(env, 20);
  });

  it('agent ships over SASL_SSL with SCRAM-SHA-512, the password from LOGSHIP_KAFKA_SASL_PASSWORD', async () => {
    const env = makeEnv('sec-scram512', {
      kafka: { brokers: [S.LOGSHIP_STACK_KAFKA_SASL_SSL_BROKERS], tls: tlsOn, sasl: sasl('scram-sha-512', {}) },
    });
    await shipThrough(env, 20, { LOGSHIP_KAFKA_SASL_PASSWORD: SCRAM.password });
  });

  it('a wrong password stops the agent with exit 78 and a clear error; nothing is lost, the right one ships it all', async () => {
    const wrong = `wrong-${uniq('pw')}`;
    secrets.push(wrong);
    const env = makeEnv('sec-wrongpw', {
      kafka: {
        brokers: [S.LOGSHIP_STACK_KAFKA_SASL_SSL_BROKERS],
        tls: tlsOn,
        sasl: sasl('scram-sha-512', { password: '${SEC_TEST_KAFKA_PASSWORD}' }),
      },
    });
    const want = lines('wrongpw', 0, 30);
    append(path.join(env.logs, 'app.log'), want);
    const t0 = Date.now();
    const bad = await runTracked(['agent', '-c', env.config], { env: { SEC_TEST_KAFKA_PASSWORD: wrong }, timeoutMs: 30_000 });
    expect(bad.code).toBe(78); // the service managers' "do not restart": no crash loop
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(bad.stderr).toMatch(
      /logship: Kafka at 127\.0\.0\.1:\d+: authentication failed \(SASL SCRAM SHA512 authentication failed: .*\): check kafka\.sasl\.mechanism, username and password \(LOGSHIP_ERR_KAFKA_AUTH\)/,
    );
    // Its checkpoint did not move past anything: every line is still to be sent.
    const cp = fs.existsSync(path.join(env.dir, 'state', 'checkpoints.json')) ? Object.values(checkpointOf(env).files) : [];
    expect(cp.every((f) => f.offset === 0)).toBe(true);
    // The same agent with the right password ships every line written before the failed run, each once.
    const agent = track(logship(['agent', '-c', env.config], { env: { SEC_TEST_KAFKA_PASSWORD: SCRAM.password } }));
    expectExactly(await waitShipped(env, want), want);
    expect(await agent.stop()).toBe(0);
  });

  it('sink with a wrong Kafka password exits 78 at start and commits nothing', async () => {
    await esUp();
    const wrong = `wrong-${uniq('kpw')}`;
    secrets.push(wrong);
    const env = makeEnv('sec-sinkwrong', {
      kafka: { brokers: [S.LOGSHIP_STACK_KAFKA_SASL_SSL_BROKERS], tls: tlsOn, sasl: sasl('scram-sha-512', { password: wrong }) },
      elasticsearch: { url: ES_URL, ca_file: CA, ...ES_USER },
    });
    const r = await runTracked(['sink', '-c', env.config], { timeoutMs: 30_000 });
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/authentication failed .*\(LOGSHIP_ERR_KAFKA_AUTH\)/);
    expect([...(await committedOffsets(env.group, env.topic).catch(() => new Map())).values()].every((o) => o === '-1')).toBe(true);
  });

  it('agent and sink over SASL_SSL SCRAM-SHA-512 into HTTPS Elasticsearch with basic auth; search finds the lines', async () => {
    await esUp();
    const env = makeEnv('sec-basic', {
      kafka: {
        brokers: [S.LOGSHIP_STACK_KAFKA_SASL_SSL_BROKERS],
        tls: tlsOn,
        sasl: sasl('scram-sha-512', { password: '${SEC_TEST_KAFKA_PASSWORD}' }),
      },
      elasticsearch: { url: ES_URL, ca_file: CA, username: ES_USER.username, password_file: secretFile('es.password', ES_USER.password) },
    });
    const procEnv = { SEC_TEST_KAFKA_PASSWORD: SCRAM.password };
    const sink = track(logship(['sink', '-c', env.config], { env: procEnv }));
    await shipThrough(env, 25, procEnv);
    await waitFor(
      '25 documents in the secured Elasticsearch',
      async () => (await secureCount(env.prefix, { basic: ES_USER })) === 25 || undefined,
      60_000,
      300,
    );
    const search = await runTracked(['search', 'some text', '-c', env.config, '--since', '10m', '--limit', '100'], { env: procEnv });
    expect(search.code).toBe(0);
    expect(search.stdout.trim().split('\n')).toHaveLength(25);
    expect(search.stdout).toContain(`${path.basename(env.dir)}-000024`);
    expect(await sink.stop()).toBe(0);
  });

  it('sink indexes into HTTPS Elasticsearch with a least-privilege API key from api_key_file; search with it finds them', async () => {
    await esUp();
    const env = makeEnv('sec-apikey', {
      kafka: { brokers: [S.LOGSHIP_STACK_KAFKA_SASL_SSL_BROKERS], tls: tlsOn, sasl: sasl('scram-sha-256', {}) },
      elasticsearch: { url: ES_URL, ca_file: CA },
    });
    // The privileges docs/OPERATIONS.md gives a sink's key, on this test's index prefix.
    const key = await esSecure(
      'POST',
      '/_security/api_key',
      { basic: ES_USER },
      {
        name: uniq('logship-test'),
        role_descriptors: {
          logship: {
            cluster: ['monitor', 'manage_index_templates'],
            indices: [
              {
                names: [`${env.prefix}-*`],
                privileges: ['create_doc', 'create_index', 'read', 'view_index_metadata', 'monitor', 'delete_index'],
              },
            ],
          },
        },
      },
    );
    secrets.push(key.encoded, key.api_key);
    const cfg = deriveConfig(env, 'apikey', { elasticsearch: { api_key_file: secretFile('es.api_key', key.encoded) } });
    const procEnv = { LOGSHIP_KAFKA_SASL_PASSWORD: SCRAM.password };
    const sink = track(logship(['sink', '-c', cfg], { env: procEnv }));
    await shipThrough(env, 15, procEnv);
    await waitFor('15 documents', async () => (await secureCount(env.prefix, { basic: ES_USER })) === 15 || undefined, 60_000, 300);
    const search = await runTracked(['search', '-c', cfg, '--since', '10m', '--json'], { env: procEnv });
    expect(search.code).toBe(0);
    expect(
      search.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).host.name),
    ).toEqual(Array(15).fill(env.host));
    expect(await sink.stop()).toBe(0);
  });

  it('test-output passes against the secured Kafka and Elasticsearch, and fails clearly (78) with a wrong CA or password', async () => {
    await esUp();
    const base = {
      kafka: { brokers: [S.LOGSHIP_STACK_KAFKA_SASL_SSL_BROKERS], tls: tlsOn, sasl: sasl('scram-sha-512', { password: SCRAM.password }) },
      elasticsearch: { url: ES_URL, ca_file: CA, ...ES_USER },
    };
    const ok = await runTracked(['test-output', '-c', makeEnv('sec-to-ok', base).config]);
    expect(ok.stdout).toMatch(/^ok +kafka 127\.0\.0\.1:\d+: topics .* exist$/m);
    expect(ok.stdout).toMatch(/^ok +kafka: record written with acks=-1/m);
    expect(ok.stdout).toMatch(/^ok +elasticsearch https:\/\/127\.0\.0\.1:\d+: version 8\.19\.\d+, cluster logship-secure$/m);

    const wrongCaFile = wrongCa();
    const badCa = await runTracked([
      'test-output',
      '-c',
      makeEnv('sec-to-ca', base).config,
      '--set',
      `kafka.tls.ca_file=${wrongCaFile}`,
      '--set',
      `elasticsearch.ca_file=${wrongCaFile}`,
    ]);
    expect(badCa.code).toBe(78);
    expect(badCa.stdout).toMatch(
      /^FAIL kafka 127\.0\.0\.1:\d+: the broker's TLS certificate is not trusted \([A-Z_]+\): check kafka\.tls\.ca_file$/m,
    );
    expect(badCa.stdout).toMatch(
      /^FAIL elasticsearch https:\/\/127\.0\.0\.1:\d+: the server's TLS certificate is not trusted \([A-Z_]+\): check elasticsearch\.ca_file$/m,
    );

    const wrongK = `wrong-${uniq('k')}`;
    const wrongE = `wrong-${uniq('e')}`;
    secrets.push(wrongK, wrongE);
    const badPw = await runTracked([
      'test-output',
      '-c',
      makeEnv('sec-to-pw', base).config,
      '--set',
      `kafka.sasl.password=${wrongK}`,
      '--set',
      `elasticsearch.password=${wrongE}`,
    ]);
    expect(badPw.code).toBe(78);
    expect(badPw.stdout).toMatch(
      /^FAIL kafka 127\.0\.0\.1:\d+: authentication failed \(SASL SCRAM SHA512 authentication failed: .*\): check kafka\.sasl\.mechanism, username and password$/m,
    );
    expect(badPw.stdout).toMatch(
      /^FAIL elasticsearch https:\/\/127\.0\.0\.1:\d+: authentication failed \(401: unable to authenticate user \[[^\]]+\].*\): check elasticsearch\.username and password, or api_key$/m,
    );

    // The sink refuses to start on the same wrong Elasticsearch password (it installs its template first).
    const sink = await runTracked(['sink', '-c', makeEnv('sec-sink-espw', base).config, '--set', `elasticsearch.password=${wrongE}`], {
      timeoutMs: 30_000,
    });
    expect(sink.code).toBe(78);
    expect(sink.stderr).toMatch(/authentication failed \(401: .*\(LOGSHIP_ERR_ES_AUTH\)/);
  });

  it('no process printed a configured secret, at debug level', () => {
    const all = outputs.map((o) => o()).join('\n');
    expect(all.length).toBeGreaterThan(20_000); // debug logs of every agent and sink above
    expect(all).toMatch(/"level":20/);
    for (const s of secrets) expect(all.includes(s), `a secret (${s.slice(0, 3)}...) appears in the output`).toBe(false);
  });
});
