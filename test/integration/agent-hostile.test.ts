// Hostile lines against the real agent and Kafka (issue 12, item 1): a JSON line nested 5,000 deep used to stop a
// watched file at that line (checkpoint stuck) and crash `--stdin` and `run` on every restart (it was spooled).
// Now it arrives as a marked plain message, the lines after it arrive, checkpoints move on, nothing crashes. Lines
// with implausible times (epoch 0, 8.64e15) arrive with their read time, their own kept.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexFor } from '../../common/event.js';
import { logship, makeEnv, run, waitFor, type TestEnv } from '../support/helpers.js';
import { checkpointOf, expectExactly, shipped, waitShipped } from '../support/agent-harness.js';

const DEPTH = 5000;
const NESTED = '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH);
/** A child that prints the nested line between two plain ones (generated in the child: argv stays short). */
const printNested = (tag: string) =>
  `console.log('${tag} before'); console.log('{"a":'.repeat(${DEPTH}) + '1' + '}'.repeat(${DEPTH})); console.log('${tag} after');`;

function withBrokers(env: TestEnv, brokers: string[]): string {
  const cfg = JSON.parse(fs.readFileSync(env.config, 'utf8'));
  cfg.kafka.brokers = brokers;
  const file = path.join(env.dir, 'unreachable.yaml');
  fs.writeFileSync(file, JSON.stringify(cfg));
  return file;
}

function expectMarkedNested(s: Awaited<ReturnType<typeof shipped>>) {
  const e = s.events.find((x) => x.message === NESTED)!;
  expect(e.log.json_error).toBe('nested deeper than 20');
  expect(e.json).toBeUndefined();
}

async function metricsOf(env: TestEnv): Promise<string> {
  return waitFor('agent /metrics', () =>
    fetch(`http://${env.agentMetrics}/metrics`)
      .then((r) => (r.ok ? r.text() : undefined))
      .catch(() => undefined),
  );
}

describe('agent: hostile lines', () => {
  it('file: a line nested 5,000 deep between plain lines; the lines after it arrive and the checkpoint reaches the end', async () => {
    const env = makeEnv('hostile-file');
    const f = path.join(env.logs, 'app.log');
    const epoch = '{"time":0,"msg":"epoch zero"}';
    const far = '{"time":8.64e15,"msg":"the last day Date knows"}';
    const expected = ['plain before', NESTED, 'plain after', epoch, far, 'last plain'];
    fs.writeFileSync(f, expected.join('\n') + '\n');
    const agent = logship(['agent', '-c', env.config]);
    const s = await waitShipped(env, expected, 60_000);
    expectExactly(s, expected);
    expectMarkedNested(s);
    // Implausible own times: the read time picks the index, the line's time is kept.
    const today = indexFor('logs', new Date().toISOString()).slice(0, 9); // logs-YYYY
    for (const [msg, original] of [
      [epoch, '1970-01-01T00:00:00.000Z'],
      [far, '+275760-09-13T00:00:00.000Z'],
    ]) {
      const e = s.events.find((x) => x.message === msg)!;
      expect(e.log.original_timestamp).toBe(original);
      expect(e['@timestamp']).toBe(e.event.created);
      expect(indexFor('logs', e['@timestamp']).slice(0, 9)).toBe(today);
    }
    const m = await metricsOf(env);
    expect(m).toMatch(/^logship_agent_lines_json_refused_total 1$/m);
    expect(m).toMatch(/^logship_agent_lines_timestamp_refused_total\{reason="too_old"\} 1$/m);
    expect(m).toMatch(/^logship_agent_lines_timestamp_refused_total\{reason="too_new"\} 1$/m);
    expect(m).not.toMatch(/^logship_agent_errors_total\{stage="read"/m);
    expect(await agent.stop()).toBe(0);
    expect(agent.stderr()).not.toContain('read failed');
    expect(Object.values(checkpointOf(env).files)[0].offset).toBe(fs.statSync(f).size);
  });

  it('stdin: the nested line does not crash the agent; the lines after it arrive', async () => {
    const env = makeEnv('hostile-stdin');
    const expected = ['stdin before', NESTED, 'stdin after'];
    const r = await run(['agent', '--stdin', '--source', 'piped', '-c', env.config], { input: expected.join('\n') + '\n' });
    expect(r.stderr).not.toContain('Maximum call stack size exceeded');
    expect(r.code).toBe(0);
    const s = await waitShipped(env, expected);
    expectExactly(s, expected);
    expectMarkedNested(s);
  });

  it('stdin: a nested line left in the spool (Kafka away) is shipped by the next run, which does not crash', async () => {
    const env = makeEnv('hostile-spool', { agent: { shutdown_grace_ms: 1500 } });
    const first = ['spooled before', NESTED, 'spooled after'];
    const r1 = await run(['agent', '--stdin', '--source', 'job', '-c', withBrokers(env, ['127.0.0.1:1'])], {
      input: first.join('\n') + '\n',
    });
    expect(r1.code).toBe(0);
    expect(r1.stderr).toContain('unacknowledged lines will be re-read');
    expect((await shipped(env)).records).toBe(0);
    const r2 = await run(['agent', '--stdin', '--source', 'job', '-c', env.config], { input: 'after the outage\n' });
    expect(r2.stderr).not.toContain('Maximum call stack size exceeded');
    expect(r2.code).toBe(0);
    const s = await waitShipped(env, [...first, 'after the outage']);
    expectExactly(s, [...first, 'after the outage']);
    expectMarkedNested(s);
  });

  it('run: the child prints the nested line; it runs to its end, its exit code is ours, and a restart ships the spooled line', async () => {
    const env = makeEnv('hostile-run', { agent: { shutdown_grace_ms: 1500 } });
    const node = process.execPath;
    // Kafka away: everything stays in the spool; the child still runs and its exit code is returned.
    const r1 = await run([
      'run',
      '--source',
      'job',
      '-c',
      withBrokers(env, ['127.0.0.1:1']),
      '--',
      node,
      '-e',
      printNested('one') + 'process.exit(3)',
    ]);
    expect(r1.stderr).not.toContain('Maximum call stack size exceeded');
    expect(r1.code).toBe(3);
    expect(r1.stdout).toContain('one after'); // the child ran past the line, its output passed through
    expect((await shipped(env)).records).toBe(0);
    // Restarted with Kafka back: the spooled nested line is produced at start, before the new child's output.
    const r2 = await run(['run', '--source', 'job', '-c', env.config, '--', node, '-e', "console.log('two')"]);
    expect(r2.stderr).not.toContain('Maximum call stack size exceeded');
    expect(r2.code).toBe(0);
    const expected = ['one before', NESTED, 'one after', 'process exited with code 3', 'two', 'process exited with code 0'];
    const s = await waitShipped(env, expected);
    expectExactly(s, expected);
    expectMarkedNested(s);
  });
});
