// Operations: /metrics values against a known input, accounting that balances, readiness, secrets never
// logged, validate / test-output / tap.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { esCount, freePort, logship, makeEnv, metricValue, ROOT, run, waitFor } from '../support/helpers.js';
import { shipped, waitShipped } from '../support/agent-harness.js';

describe('operations', () => {
  it('agent and sink /metrics match a known input, and the accounting balances', async () => {
    const env = makeEnv('metrics', { agent: { max_line_bytes: 1024 } });
    const f = path.join(env.logs, 'app.log');
    const plain = Array.from({ length: 97 }, (_, i) => `metric line ${i}`);
    fs.writeFileSync(
      f,
      Buffer.concat([
        Buffer.from(plain.join('\n') + '\n'),
        Buffer.from('x'.repeat(5000) + '\n'),
        Buffer.from([0x41, 0xff, 0x0a]),
        Buffer.from('{"level":30,"msg":"json"}\n'),
      ]),
    );
    const size = fs.statSync(f).size;
    const sink = logship(['sink', '-c', env.config]);
    const agent = logship(['agent', '-c', env.config]);
    await waitFor('100 documents', async () => (await esCount(env.prefix)) === 100 || undefined, 60_000);
    await waitFor(
      'sink counted them',
      async () => (await metricValue(env.sinkMetrics, 'logship_sink_documents_created_total')) === 100 || undefined,
    );
    await new Promise((r) => setTimeout(r, 1200)); // gauges refresh every second
    const A = (n: string, l?: Record<string, string>) => metricValue(env.agentMetrics, n, l);
    const S = (n: string, l?: Record<string, string>) => metricValue(env.sinkMetrics, n, l);
    expect(await A('logship_agent_lines_read_total')).toBe(100);
    expect(await A('logship_agent_bytes_read_total')).toBe(size);
    expect(await A('logship_agent_lines_produced_total')).toBe(100);
    expect(await A('logship_agent_lines_truncated_total')).toBe(1);
    expect(await A('logship_agent_bytes_skipped_total')).toBe(5000 - 1024);
    expect(await A('logship_agent_lines_invalid_utf8_total')).toBe(1);
    expect(await A('logship_agent_files_watched')).toBe(1);
    expect(await A('logship_agent_unacked_bytes')).toBe(0);
    expect(await A('logship_agent_file_bytes_behind', { file: f })).toBe(0);
    expect(await A('logship_agent_process_resident_memory_bytes')).toBeGreaterThan(0);
    // read = produced + in flight + discarded + joined
    const read = await A('logship_agent_lines_read_total');
    const balance =
      (await A('logship_agent_lines_produced_total')) +
      (await A('logship_agent_lines_in_flight')) +
      (await A('logship_agent_lines_discarded_total')) +
      (await A('logship_agent_lines_joined_total'));
    expect(balance).toBe(read);
    // consumed = created + duplicate + dead-lettered + in flight
    const consumed = await S('logship_sink_records_consumed_total');
    expect(consumed).toBe(100);
    expect(
      (await S('logship_sink_documents_created_total')) +
        (await S('logship_sink_documents_duplicate_total')) +
        (await S('logship_sink_documents_dead_lettered_total')) +
        (await S('logship_sink_records_abandoned_total')) +
        (await S('logship_sink_records_in_flight')),
    ).toBe(consumed);
    const text = await (await fetch(`http://${env.sinkMetrics}/metrics`)).text();
    expect(text).toMatch(/logship_sink_bulk_latency_seconds_bucket/);
    expect(text).toMatch(/logship_sink_consumer_lag\{partition="\d+"\} 0/);
    const r = await fetch(`http://${env.sinkMetrics}/readyz`);
    expect(r.status).toBe(200);
    expect(await agent.stop()).toBe(0);
    expect(await sink.stop()).toBe(0);
  });

  it('/readyz says why when Elasticsearch is unreachable', async () => {
    // A sink waiting for Elasticsearch has not logged "sink started" (nor its address): it gets a port from us.
    const metrics = `127.0.0.1:${await freePort()}`;
    const env = makeEnv('readyz', { elasticsearch: { url: 'http://127.0.0.1:1' }, sink: { metrics_listen: metrics } });
    const sink = logship(['sink', '-c', env.config]);
    const body = await waitFor('readyz answers', async () => {
      const r = await fetch(`http://${metrics}/readyz`).catch(() => undefined);
      return r && r.status === 503 ? ((await r.json()) as { reasons: string[] }) : undefined;
    });
    expect(body.reasons.join(' ')).toMatch(/elasticsearch/);
    expect(await sink.stop()).toBe(0);
  });

  it('a configured secret never appears in the logs, even at debug level', async () => {
    const secret = 'S3cret-Pa55word-never-logged';
    const env = makeEnv('secret', { log_level: 'debug', elasticsearch: { username: 'elastic', password: secret } });
    const sink = logship(['sink', '-c', env.config]);
    const agent = logship(['agent', '-c', env.config]);
    fs.writeFileSync(path.join(env.logs, 'app.log'), `a line that mentions ${secret}\n`);
    await waitShipped(env, [`a line that mentions ${secret}`]);
    await new Promise((r) => setTimeout(r, 1500));
    await agent.stop();
    await sink.stop();
    const logs = sink.stderr() + agent.stderr();
    expect(logs.length).toBeGreaterThan(500);
    expect(logs).not.toContain(secret);
    const v = await run(['validate', env.config]);
    expect(v.stdout + v.stderr).not.toContain(secret);
  });

  it('validate: every example config exits 0; a misspelt key exits 78 naming the key path', async () => {
    const examples = fs
      .readdirSync(path.join(ROOT, 'config/examples'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => path.join(ROOT, 'config/examples', f));
    expect(examples.length).toBeGreaterThan(0);
    const ok = await run(['validate', ...examples]);
    expect(ok.code).toBe(0);
    const dir = fs.mkdtempSync('/tmp/logship-validate-');
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'kafka:\n  brokers: ["127.0.0.1:9092"]\nagent:\n  batch:\n    linger_msec: 5\n');
    const r = await run(['validate', bad]);
    expect(r.code).toBe(78);
    expect(r.stdout).toContain('agent.batch.linger_msec: unknown key (did you mean agent.batch.linger_ms?)');
  });

  it('test-output checks Kafka and Elasticsearch; an unreachable Elasticsearch exits 69', async () => {
    const env = makeEnv('testoutput');
    const ok = await run(['test-output', '-c', env.config]);
    expect(ok.stdout).toMatch(/ok +kafka .* exist/);
    expect(ok.stdout).toMatch(/ok +elasticsearch .* version 8\./);
    const bad = await run(['test-output', '-c', env.config, '--es-only', '--set', 'elasticsearch.url=http://127.0.0.1:1']);
    expect(bad.code).toBe(69);
    expect(bad.stdout).toContain('FAIL elasticsearch http://127.0.0.1:1');
  });

  it('tap prints the events the agent would send and sends nothing', async () => {
    const env = makeEnv('tap');
    fs.writeFileSync(path.join(env.logs, 'app.log'), 'tap one\ntap two\n');
    const p = logship(['tap', '-c', env.config]);
    await waitFor('two events printed', () => p.stdout().trim().split('\n').length >= 2 || undefined);
    expect(await p.stop()).toBe(0);
    const events = p
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((e) => e.message)).toEqual(['tap one', 'tap two']);
    expect(fs.existsSync(path.join(env.dir, 'state', 'checkpoints.json'))).toBe(false);
  });

  it('bad usage exits 2, a broken config 78, an unreachable broker is retried, not fatal', async () => {
    expect((await run(['search', '--limit', 'lots'])).code).toBe(2);
    expect((await run(['frobnicate'])).code).toBe(2);
    const dir = fs.mkdtempSync('/tmp/logship-broken-');
    fs.writeFileSync(path.join(dir, 'c.yaml'), 'kafka: [unclosed\n');
    const r = await run(['agent', '-c', path.join(dir, 'c.yaml')]);
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/YAML syntax error at line \d+/);
  });
});

describe('paths come only from configuration', () => {
  it('a source name or host name with ../ never makes the agent write outside its data_dir', async () => {
    const env = makeEnv('pathsafety', { host_name: '../../escape-host' });
    const marker = `escape-${Date.now()}`;
    const r = await run(['agent', '--stdin', '--source', `../../../../tmp/${marker}`, '-c', env.config], { input: 'one line\n' });
    expect(r.code).toBe(0);
    expect(fs.existsSync(`/tmp/${marker}`)).toBe(false);
    const state = path.join(env.dir, 'state');
    const made = fs.readdirSync(state);
    expect(made.length).toBe(1);
    expect(made[0]).toMatch(/^stdin-[A-Za-z0-9._-]+$/);
    expect(made[0]).not.toContain('/');
    expect(fs.readdirSync(env.dir).sort()).toEqual(['logs', 'logship.yaml', 'state']);
  });

  it('a symbolic link in a watched directory is not followed unless follow_symlinks is set', async () => {
    const env = makeEnv('symlinks');
    // The secret lives outside the globs; a link to it sits in the watched directory and matches *.log.
    const secret = path.join(env.dir, 'secret.txt');
    fs.writeFileSync(secret, 'root:x:0:0 secret line\n');
    fs.symlinkSync(secret, path.join(env.logs, 'innocent.log'));
    fs.writeFileSync(path.join(env.logs, 'app.log'), 'a real line\n');
    let agent = logship(['agent', '-c', env.config]);
    await waitShipped(env, ['a real line']);
    await new Promise((r) => setTimeout(r, 1000)); // several scans
    expect(await agent.stop()).toBe(0);
    expect(agent.stderr()).toMatch(/symbolic link matches the include globs: skipped/);
    let s = await shipped(env);
    expect(s.events.map((e) => e.message)).toEqual(['a real line']);
    // Opted in, the link is read like a file.
    agent = logship(['agent', '-c', env.config, '--set', 'agent.files.follow_symlinks=true']);
    s = await waitShipped(env, ['a real line', 'root:x:0:0 secret line']);
    expect(await agent.stop()).toBe(0);
    expect(s.events.map((e) => e.message).sort()).toEqual(['a real line', 'root:x:0:0 secret line']);
  });
});
