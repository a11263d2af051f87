// stdin and wrapped commands: spooled, acknowledged, restartable; exit codes and signals. Plus multiline,
// JSON lines, and an unreachable / returning Kafka.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BROKER, logship, makeEnv, run, waitFor, type TestEnv } from '../support/helpers.js';
import { append, expectExactly, lines, shipped, waitShipped } from '../support/agent-harness.js';

function withBrokers(env: TestEnv, brokers: string[]): string {
  const cfg = JSON.parse(fs.readFileSync(env.config, 'utf8'));
  cfg.kafka.brokers = brokers;
  const file = path.join(env.dir, `brokers-${brokers.join('_').replace(/[^0-9a-z]/gi, '_')}.yaml`);
  fs.writeFileSync(file, JSON.stringify(cfg));
  return file;
}

describe('agent: stdin and logship run', () => {
  it('stdin: every line is produced, the last line without newline too, and the process exits 0', async () => {
    const env = makeEnv('stdin');
    const ls = lines('stdin', 0, 3000);
    const r = await run(['agent', '--stdin', '--source', 'piped', '-c', env.config], { input: ls.join('\n') + '\nlast without newline' });
    expect(r.code).toBe(0);
    const s = await waitShipped(env, [...ls, 'last without newline']);
    expectExactly(s, [...ls, 'last without newline']);
    const e = s.events[0];
    expect(e.logship.source.type).toBe('stdin');
    expect(e.logship.source.name).toBe('piped');
    // Sequence numbers are the offsets: 0..n-1, each once.
    expect(new Set(s.events.map((x) => x.log.offset)).size).toBe(3001);
  });

  it('stdin with Kafka unreachable: lines stay in the spool; the next run with the same source ships them with the same ids', async () => {
    const env = makeEnv('spool', { agent: { shutdown_grace_ms: 1500 } });
    const bad = withBrokers(env, ['127.0.0.1:1']);
    const ls = lines('spooled', 0, 200);
    const r1 = await run(['agent', '--stdin', '--source', 'job', '-c', bad], { input: ls.join('\n') + '\n' });
    expect(r1.code).toBe(0);
    expect(r1.stderr).toContain('unacknowledged lines will be re-read');
    expect((await shipped(env)).records).toBe(0);
    const r2 = await run(['agent', '--stdin', '--source', 'job', '-c', env.config], { input: 'after the outage\n' });
    expect(r2.code).toBe(0);
    const s = await waitShipped(env, [...ls, 'after the outage']);
    expectExactly(s, [...ls, 'after the outage']);
    // The spool is empty once everything is acknowledged.
    const spoolDir = path.join(env.dir, 'state', 'stdin-job', 'spool');
    const left = fs.readdirSync(spoolDir).flatMap((d) => fs.readdirSync(path.join(spoolDir, d)));
    expect(left).toEqual([]);
  });

  it('stdin: a full spool pushes back on the pipe instead of growing (block)', async () => {
    const env = makeEnv('spoolfull', { agent: { spool_max_bytes: 65536, shutdown_grace_ms: 1000 } });
    const bad = withBrokers(env, ['127.0.0.1:1']);
    const p = logship(['agent', '--stdin', '--source', 'full', '-c', bad]);
    // Under load the agent can take seconds to start reading: a pipe not yet read is not a spool pushing back.
    await p.started();
    let written = 0;
    let blocked = false;
    const chunk = 'x'.repeat(1000) + '\n';
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline) {
      if (!p.child.stdin!.write(chunk)) {
        await Promise.race([new Promise((r) => p.child.stdin!.once('drain', r)), new Promise((r) => setTimeout(r, 1500))]);
        if (p.child.stdin!.writableNeedDrain) {
          blocked = true;
          break;
        }
      }
      written += chunk.length;
    }
    expect(blocked).toBe(true);
    // Far less than was offered sits in the spool: bounded by spool_max_bytes plus the pipe's buffers.
    const spoolDir = path.join(env.dir, 'state', 'stdin-full', 'spool');
    const bytes = fs
      .readdirSync(spoolDir)
      .flatMap((d) => fs.readdirSync(path.join(spoolDir, d)).map((f) => fs.statSync(path.join(spoolDir, d, f)).size))
      .reduce((a, b) => a + b, 0);
    process.stderr.write(`[spoolfull] wrote ${written} bytes before the pipe blocked; spool holds ${bytes} bytes\n`);
    expect(bytes).toBeLessThan(65536 * 2);
    p.child.stdin!.destroy();
    p.child.kill('SIGKILL');
    await p.exited;
  });

  it('run: stdout and stderr as two streams, the exit recorded as an event, the exit code returned', async () => {
    const env = makeEnv('run');
    const r = await run([
      'run',
      '--source',
      'job',
      '-c',
      env.config,
      '--',
      process.execPath,
      '-e',
      "console.log('to stdout'); console.error('to stderr'); process.exit(3)",
    ]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('to stdout'); // passed through
    const s = await waitShipped(env, ['to stdout', 'to stderr', 'process exited with code 3']);
    expectExactly(s, ['to stdout', 'to stderr', 'process exited with code 3']);
    const byMsg = (m: string) => s.events.find((e) => e.message === m)!;
    expect(byMsg('to stdout').logship.source.name).toBe('job/stdout');
    expect(byMsg('to stderr').logship.source.name).toBe('job/stderr');
    expect(byMsg('process exited with code 3').process?.exit_code).toBe(3);
  });

  it('run: signals are passed to the child, and its exit code is ours', async () => {
    const env = makeEnv('runsig');
    const p = logship([
      'run',
      '--source',
      'sig',
      '-c',
      env.config,
      '--',
      process.execPath,
      '-e',
      "process.on('SIGTERM', () => { console.log('child got SIGTERM'); process.exit(7); }); console.log('ready'); setInterval(() => {}, 1000);",
    ]);
    await waitFor('child ready', () => p.stdout().includes('ready'));
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(7);
    await waitShipped(env, ['ready', 'child got SIGTERM', 'process exited with code 7']);
  });

  it('run: a command that cannot start is a clear error', async () => {
    const env = makeEnv('runbad');
    const r = await run(['run', '-c', env.config, '--', '/nonexistent/command']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot run /nonexistent/command');
  });
});

describe('agent: multiline, JSON lines, Kafka away', () => {
  it('multiline java preset joins a stack trace into one event', async () => {
    const env = makeEnv('multiline', { agent: { multiline: { mode: 'java', timeout_ms: 300 } } });
    const trace = [
      '2026-11-27 10:00:00 ERROR request failed',
      'java.lang.IllegalStateException: boom',
      '\tat com.example.Foo.bar(Foo.java:10)',
      '\tat com.example.Main.main(Main.java:5)',
      'Caused by: java.io.IOException: disk',
      '\t... 2 more',
    ];
    append(path.join(env.logs, 'app.log'), [...trace, '2026-11-27 10:00:01 INFO next']);
    const agent = logship(['agent', '-c', env.config]);
    // java.lang... is not a continuation in the preset (no indent): it starts its own event with the frames.
    const joined = [trace[0], [trace[1], ...trace.slice(2)].join('\n'), '2026-11-27 10:00:01 INFO next'];
    const s = await waitShipped(env, joined);
    expect(await agent.stop()).toBe(0);
    expectExactly(s, joined);
    expect(s.events.find((e) => e.message.startsWith('java.lang'))!.logship.lines).toBe(5);
  });

  it("JSON lines: fields parsed, pino level named, the line's own time is @timestamp, so a re-send keeps its index", async () => {
    // Fixed times from January 2025: older than the default plausibility window (365 days back) once the clock
    // passes January 2026, so this test trusts lines' times for ten years back.
    const env = makeEnv('jsonl', { agent: { timestamp_max_past_ms: '3650d' } });
    const line = JSON.stringify({ level: 50, time: Date.UTC(2025, 0, 2, 23, 59, 59, 500), msg: 'pino error', pid: 1 });
    const ecs = JSON.stringify({ '@timestamp': '2025-01-03T00:00:00.250Z', 'log.level': 'WARN', message: 'ecs warn' });
    append(path.join(env.logs, 'app.log'), [line, ecs, 'plain text']);
    const agent = logship(['agent', '-c', env.config]);
    const s = await waitShipped(env, [line, ecs, 'plain text']);
    expect(await agent.stop()).toBe(0);
    const p = s.events.find((e) => e.message === line)!;
    expect(p['@timestamp']).toBe('2025-01-02T23:59:59.500Z');
    expect(p.log.level).toBe('error');
    expect((p.json as Record<string, unknown>).msg).toBe('pino error');
    const e = s.events.find((x) => x.message === ecs)!;
    expect(e['@timestamp']).toBe('2025-01-03T00:00:00.250Z');
    expect(e.log.level).toBe('warn');
  });

  it('a re-read plain line keeps the @timestamp it had the first time (read-time journal)', async () => {
    const env = makeEnv('stablets');
    const f = path.join(env.logs, 'app.log');
    append(f, ['plain one', 'plain two']);
    let agent = logship(['agent', '-c', env.config]);
    // An agent that cannot start (it once could not bind a guessed metrics port) fails here, saying why.
    await agent.started();
    const first = await waitShipped(env, ['plain one', 'plain two']);
    agent.child.kill('SIGKILL');
    await agent.exited;
    // Forget the checkpoint (as after a crash before it was written): both lines are read again.
    fs.rmSync(path.join(env.dir, 'state', 'checkpoints.json'), { force: true });
    await new Promise((r) => setTimeout(r, 1100));
    agent = logship(['agent', '-c', env.config]);
    await agent.started();
    await waitFor('re-sent', async () => ((await shipped(env)).records >= 4 ? true : undefined));
    expect(await agent.stop()).toBe(0);
    const s = await shipped(env);
    expectExactly(s, ['plain one', 'plain two'], { allowDuplicates: true });
    const times = (m: string) => new Set(s.events.filter((e) => e.message === m).map((e) => e['@timestamp']));
    expect(times('plain one').size).toBe(1);
    expect([...times('plain one')][0]).toBe(first.events.find((e) => e.message === 'plain one')!['@timestamp']);
  });

  it('Kafka unreachable at start: reading pauses with memory bounded, then everything arrives once Kafka is there', async () => {
    // Start against a closed port, then restart against the real broker: what was read but not acknowledged
    // is read again from the checkpoint.
    const env = makeEnv('kafkaaway', { agent: { max_inflight_bytes: 65536, shutdown_grace_ms: 500 } });
    const bad = withBrokers(env, ['127.0.0.1:1']);
    const f = path.join(env.logs, 'app.log');
    const ls = lines('away', 0, 20000);
    append(f, ls);
    let agent = logship(['agent', '-c', bad]);
    await waitFor('agent up', () =>
      fetch(`http://${env.agentMetrics}/healthz`)
        .then((r) => r.ok)
        .catch(() => false),
    );
    await new Promise((r) => setTimeout(r, 3000));
    const metrics = await (await fetch(`http://${env.agentMetrics}/metrics`)).text();
    const unacked = Number(/^logship_agent_unacked_bytes (\S+)/m.exec(metrics)![1]);
    const ready = await fetch(`http://${env.agentMetrics}/readyz`);
    expect(ready.status).toBe(503);
    // The bound: max_inflight_bytes, plus the events of the one read that crossed it.
    expect(unacked).toBeLessThanOrEqual(2 * 65536);
    expect(await agent.stop()).toBe(0);
    agent = logship(['agent', '-c', env.config]);
    const s = await waitShipped(env, ls, 60_000);
    expect(await agent.stop()).toBe(0);
    expectExactly(s, ls);
    process.stderr.write(`[kafkaaway] ${unacked} unacknowledged bytes held while Kafka was away (max_inflight_bytes 65536)\n`);
    expect(BROKER).toContain('127.0.0.1');
  });
});
