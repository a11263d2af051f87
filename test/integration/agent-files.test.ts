// The agent against real files and a real Kafka: rotation, truncation, deletion, identity, checkpoints,
// framing and shutdown. Each test asserts the exact set of lines that reached Kafka.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { logship, makeEnv, waitFor, type TestEnv } from '../support/helpers.js';
import { append, checkpointOf, expectExactly, fixInclude, lines, shipped, waitShipped } from '../support/agent-harness.js';

function startAgent(env: TestEnv) {
  return logship(['agent', '-c', env.config]);
}

async function ready(env: TestEnv) {
  await waitFor(
    'agent /healthz',
    () =>
      fetch(`http://${env.agentMetrics}/healthz`)
        .then((r) => r.ok)
        .catch(() => false),
    90_000,
  );
}

describe('agent: files', () => {
  it('rotation by rename: the renamed file is read to its end, the new file from its start', async () => {
    const env = makeEnv('rename', { agent: { close_inactive_ms: 500 } });
    const f = path.join(env.logs, 'app.log');
    const a = lines('ren-a', 0, 2000);
    append(f, a.slice(0, 1000));
    const agent = startAgent(env);
    await ready(env);
    await waitShipped(env, a.slice(0, 500));
    // The app still writes to the renamed file (its fd) for a moment, then reopens app.log.
    const fd = fs.openSync(f, 'a');
    fs.renameSync(f, path.join(env.logs, 'app.log.1'));
    fs.writeSync(fd, a.slice(1000).join('\n') + '\n');
    fs.closeSync(fd);
    const b = lines('ren-b', 0, 1000);
    append(f, b);
    const s = await waitShipped(env, [...a, ...b]);
    expect(await agent.stop()).toBe(0);
    expectExactly(await shipped(env), [...a, ...b]);
    expect(s.events.filter((e) => e.message.startsWith('ren-a')).every((e) => e.log.file?.path)).toBe(true);
  });

  it('rotation by copytruncate: lines between the last read and the truncation come from the copy, once', async () => {
    const env = makeEnv('copytrunc', { agent: { files: { include: [`__LOGS__/app.log*`] } } });
    fixInclude(env);
    const f = path.join(env.logs, 'app.log');
    const a = lines('ct-a', 0, 300);
    append(f, a.slice(0, 200));
    const agent = startAgent(env);
    await ready(env);
    await waitShipped(env, a.slice(0, 200));
    // Written, then copied and truncated at once (as logrotate does): the agent may not have read these yet.
    append(f, a.slice(200));
    fs.copyFileSync(f, path.join(env.logs, 'app.log.1'));
    fs.truncateSync(f, 0);
    const b = lines('ct-b', 0, 100);
    append(f, b);
    await waitShipped(env, [...a, ...b]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await agent.stop()).toBe(0);
    // Same bytes read from the original and from its copy carry the same ids: one document each.
    expectExactly(await shipped(env), [...a, ...b], { allowDuplicates: true });
  });

  it('a checkpointed file missing from the first scan (a walk racing a rotation) keeps its checkpoint when it is found again', async () => {
    const env = makeEnv('orphan', { agent: { files: { include: [`__LOGS__/app.log*`] } } });
    fixInclude(env);
    const f1 = path.join(env.logs, 'app.log.1');
    const a = lines('orph-a', 0, 300);
    append(f1, a);
    let agent = startAgent(env);
    await ready(env);
    await waitShipped(env, a);
    expect(await agent.stop()).toBe(0);
    // Out of the globs while the agent starts (as logrotate's rename cascade can hide a file from one walk).
    const away = path.join(env.dir, 'away.log');
    fs.renameSync(f1, away);
    agent = startAgent(env);
    await ready(env);
    await new Promise((r) => setTimeout(r, 1500)); // first scan done, checkpoints written without the file
    fs.renameSync(away, f1);
    const b = lines('orph-b', 0, 50);
    append(f1, b);
    await waitShipped(env, [...a, ...b]);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await agent.stop()).toBe(0);
    // Read on from its checkpoint, not again from 0: no line twice (a copytruncate copy read again from 0
    // would get ids of its own, i.e. duplicate documents).
    expectExactly(await shipped(env), [...a, ...b]);
  });

  it('truncation in place is detected and the new content read from 0 under a new identity', async () => {
    const env = makeEnv('truncate');
    const f = path.join(env.logs, 'app.log');
    const a = lines('tr-a', 0, 100);
    append(f, a);
    const agent = startAgent(env);
    await ready(env);
    await waitShipped(env, a);
    fs.truncateSync(f, 0);
    const b = ['short 1', 'short 2', 'short 3'];
    append(f, b);
    const s = await waitShipped(env, [...a, ...b]);
    expect(await agent.stop()).toBe(0);
    expectExactly(await shipped(env), [...a, ...b]);
    const idA = s.events.find((e) => e.message === a[0])!.logship.source.identity;
    const idB = s.events.find((e) => e.message === 'short 1')!.logship.source.identity;
    expect(idB).not.toBe(idA);
    expect(s.events.find((e) => e.message === 'short 1')!.log.offset).toBe(0);
  });

  it('truncation while the agent is stopped: new content read from 0', async () => {
    const env = makeEnv('truncstop');
    const f = path.join(env.logs, 'app.log');
    const a = lines('ts-a', 0, 50);
    append(f, a);
    let agent = startAgent(env);
    await ready(env);
    await waitShipped(env, a);
    expect(await agent.stop()).toBe(0);
    fs.truncateSync(f, 0);
    const b = ['after truncation 1', 'after truncation 2'];
    append(f, b);
    agent = startAgent(env);
    await waitShipped(env, [...a, ...b]);
    expect(await agent.stop()).toBe(0);
    expectExactly(await shipped(env), [...a, ...b]);
  });

  it('a deleted file is read to its end through the open descriptor', async () => {
    const env = makeEnv('delete', { agent: { close_inactive_ms: 300 } });
    const f = path.join(env.logs, 'app.log');
    const a = lines('del', 0, 20);
    append(f, a.slice(0, 10));
    const agent = startAgent(env);
    await ready(env);
    await waitShipped(env, a.slice(0, 10));
    const fd = fs.openSync(f, 'a');
    fs.unlinkSync(f);
    fs.writeSync(fd, a.slice(10).join('\n') + '\n');
    fs.closeSync(fd);
    await waitShipped(env, a);
    expect(await agent.stop()).toBe(0);
    expectExactly(await shipped(env), a);
  });

  it('delete and recreate while stopped (inode reuse or not): the new file is new, nothing skipped', async () => {
    const env = makeEnv('reuse');
    const f = path.join(env.logs, 'app.log');
    const a = lines('reuse-a', 0, 30);
    append(f, a);
    let agent = startAgent(env);
    await ready(env);
    await waitShipped(env, a);
    expect(await agent.stop()).toBe(0);
    const oldIno = fs.statSync(f).ino;
    fs.unlinkSync(f);
    // Longer than the old file, so a wrong "same file" decision would skip its first bytes.
    const b = lines('reuse-b', 0, 60);
    append(f, b);
    process.stderr.write(`[reuse] inode ${fs.statSync(f).ino === oldIno ? 'was' : 'was not'} reused\n`);
    agent = startAgent(env);
    await waitShipped(env, [...a, ...b]);
    expect(await agent.stop()).toBe(0);
    expectExactly(await shipped(env), [...a, ...b]);
  });

  it('many files sharing the same first bytes are told apart', async () => {
    const env = makeEnv('samehead');
    const header = '#'.repeat(2048);
    const expected: string[] = [header];
    for (let i = 0; i < 12; i++) {
      const ls = lines(`same-${i}`, 0, 20);
      fs.writeFileSync(path.join(env.logs, `f${i}.log`), header + '\n' + ls.join('\n') + '\n');
      expected.push(...ls);
    }
    const agent = startAgent(env);
    await ready(env);
    const s = await waitShipped(env, expected);
    expect(await agent.stop()).toBe(0);
    // 12 headers with 12 different ids; every other line once.
    expect(s.byMessage.get(header)!.size).toBe(12);
    const others = expected.slice(1);
    for (const l of others) expect(s.byMessage.get(l)!.size).toBe(1);
    for (const [, msgs] of s.byId) expect(msgs.size).toBe(1);
  });

  it('a new file is picked up within about a second; read_from: end skips existing content of files found at start', async () => {
    const env = makeEnv('discover', { agent: { read_from: 'end', scan_interval_ms: 1000 } });
    append(path.join(env.logs, 'old.log'), ['old line, before the agent']);
    const agent = startAgent(env);
    await ready(env);
    append(path.join(env.logs, 'old.log'), ['old file, new line']);
    const t0 = Date.now();
    fs.mkdirSync(path.join(env.logs, 'sub'), { recursive: true });
    append(path.join(env.logs, 'new.log'), ['brand new file']);
    await waitShipped(env, ['brand new file', 'old file, new line'], 10_000);
    const took = Date.now() - t0;
    process.stderr.write(`[discover] new file shipped after ${took} ms\n`);
    expect(took).toBeLessThan(3000);
    expect(await agent.stop()).toBe(0);
    expectExactly(await shipped(env), ['brand new file', 'old file, new line']);
  });

  it('checkpoints survive kill -9: restarts re-send, never skip; duplicates carry the same id', async () => {
    const env = makeEnv('kill9', { agent: { batch: { max_events: 50, linger_ms: 5 } } });
    const f = path.join(env.logs, 'app.log');
    const all: string[] = [];
    let n = 0;
    for (let round = 0; round < 4; round++) {
      const agent = startAgent(env);
      const end = Date.now() + 1500 + round * 300;
      while (Date.now() < end) {
        const ls = lines('k9', n, n + 200);
        n += 200;
        append(f, ls);
        all.push(...ls);
        await new Promise((r) => setTimeout(r, 20));
      }
      agent.child.kill('SIGKILL');
      await agent.exited;
    }
    const agent = startAgent(env);
    const s = await waitShipped(env, all, 60_000);
    expect(await agent.stop()).toBe(0);
    expectExactly(await shipped(env), all, { allowDuplicates: true });
    process.stderr.write(
      `[kill9] ${all.length} lines written, ${s.records} records in Kafka (${s.records - all.length} re-sent after kill -9)\n`,
    );
    // The final checkpoint is the file's size: everything acknowledged.
    const cp = Object.values(checkpointOf(env).files)[0];
    expect(cp.offset).toBe(fs.statSync(f).size);
  }, 300_000); // five agent starts: generous on a loaded machine, not a timing claim

  it('a corrupt checkpoint file is reported and the agent reads from the beginning rather than skip', async () => {
    const env = makeEnv('corrupt');
    const f = path.join(env.logs, 'app.log');
    const a = lines('cor', 0, 40);
    append(f, a);
    let agent = startAgent(env);
    await ready(env);
    await waitShipped(env, a);
    expect(await agent.stop()).toBe(0);
    const cpFile = path.join(env.dir, 'state/checkpoints.json');
    fs.writeFileSync(cpFile, fs.readFileSync(cpFile, 'utf8').slice(0, 60)); // torn write
    const b = lines('cor-b', 0, 5);
    append(f, b);
    agent = startAgent(env);
    await waitShipped(env, [...a, ...b]);
    expect(await agent.stop()).toBe(0);
    expect(agent.stderr()).toContain('checkpoint file is corrupt');
    expect(fs.readdirSync(path.join(env.dir, 'state')).some((x) => x.startsWith('checkpoints.json.corrupt-'))).toBe(true);
    expectExactly(await shipped(env), [...a, ...b], { allowDuplicates: true });
  });

  it('framing: CRLF, long lines cut and marked, invalid UTF-8 marked, a character split across reads, the file keeps being tailed', async () => {
    const env = makeEnv('framing', { agent: { max_line_bytes: 8192, read_buffer_bytes: 4096 } });
    const f = path.join(env.logs, 'app.log');
    const long = 'L'.repeat(200_000);
    // A 4-byte character straddling the 4096-byte read boundary.
    const pad = 'p'.repeat(4094 - Buffer.byteLength('crlf line\r\n'));
    const bytes = Buffer.concat([
      Buffer.from('crlf line\r\n'),
      Buffer.from(pad + '😀tail\n'),
      Buffer.from(long + '\n'),
      Buffer.from([0x62, 0x61, 0x64, 0x80, 0x0a]), // "bad" + lone continuation byte
      Buffer.from([0x6f, 0x76, 0xc0, 0xaf, 0x0a]), // overlong '/'
      Buffer.from([0x73, 0x75, 0xed, 0xa0, 0x80, 0x0a]), // encoded surrogate
      Buffer.from('lone\rcr\n'),
      Buffer.from('\n'),
      Buffer.from('after all that\n'),
    ]);
    fs.writeFileSync(f, bytes);
    const agent = startAgent(env);
    await ready(env);
    const expected = [
      'crlf line',
      pad + '😀tail',
      'L'.repeat(8192),
      'bad\uFFFD',
      'ov\uFFFD\uFFFD',
      'su\uFFFD\uFFFD\uFFFD',
      'lone\rcr',
      '',
      'after all that',
    ];
    const s = await waitShipped(env, expected);
    append(f, ['later line']);
    await waitShipped(env, ['later line']);
    expect(await agent.stop()).toBe(0);
    expectExactly(await shipped(env), [...expected, 'later line']);
    const byMsg = (m: string) => s.events.find((e) => e.message === m)!;
    expect(byMsg('L'.repeat(8192)).log.truncated).toBe(true);
    expect(byMsg('bad\uFFFD').log.invalid_utf8).toBe(true);
    expect(byMsg('crlf line').log.invalid_utf8).toBeUndefined();
    expect(byMsg(pad + '😀tail').log.invalid_utf8).toBeUndefined();
    expect(byMsg('after all that').log.offset).toBe(bytes.length - 'after all that\n'.length);
    const skipped = await fetch(`http://${env.agentMetrics}/metrics`).catch(() => undefined);
    expect(skipped).toBeUndefined(); // agent stopped: metrics are checked in the metrics test
  });

  it('a partial last line is held; after partial_line_flush_ms it is sent once, and what follows is a new line', async () => {
    const env = makeEnv('partial', { agent: { partial_line_flush_ms: 400 } });
    const f = path.join(env.logs, 'app.log');
    fs.writeFileSync(f, 'complete\nno newline yet');
    const agent = startAgent(env);
    await ready(env);
    await waitShipped(env, ['complete', 'no newline yet']);
    fs.appendFileSync(f, ' and the rest\n');
    await waitShipped(env, [' and the rest']);
    expect(await agent.stop()).toBe(0);
    const s = await shipped(env);
    expectExactly(s, ['complete', 'no newline yet', ' and the rest']);
    expect(s.events.find((e) => e.message === ' and the rest')!.log.offset).toBe('complete\nno newline yet'.length);
  });

  it('a partial last line across a restart (no idle flush) is sent whole, once', async () => {
    const env = makeEnv('partialrestart');
    const f = path.join(env.logs, 'app.log');
    fs.writeFileSync(f, 'first\nhalf of a li');
    let agent = startAgent(env);
    await ready(env);
    await waitShipped(env, ['first']);
    await new Promise((r) => setTimeout(r, 1200)); // a checkpoint is written
    expect(await agent.stop()).toBe(0);
    expect(Object.values(checkpointOf(env).files)[0].offset).toBe('first\n'.length);
    fs.appendFileSync(f, 'ne, completed\n');
    agent = startAgent(env);
    await waitShipped(env, ['half of a line, completed']);
    expect(await agent.stop()).toBe(0);
    expectExactly(await shipped(env), ['first', 'half of a line, completed']);
  });

  it('SIGTERM flushes, writes the checkpoint at the end of what was acknowledged, and exits 0', async () => {
    const env = makeEnv('sigterm', { agent: { batch: { linger_ms: 2000, max_events: 100000 } } });
    const f = path.join(env.logs, 'app.log');
    const a = lines('term', 0, 500);
    const agent = startAgent(env);
    await ready(env);
    append(f, a);
    await new Promise((r) => setTimeout(r, 300)); // read, but lingering in the batch
    expect(await agent.stop('SIGTERM')).toBe(0);
    const s = await shipped(env);
    expectExactly(s, a);
    expect(Object.values(checkpointOf(env).files)[0].offset).toBe(fs.statSync(f).size);
  });

  it('a second signal exits at once even when Kafka is unreachable', async () => {
    const env = makeEnv('twosignals', { kafka: { brokers: ['127.0.0.1:1'] }, agent: { shutdown_grace_ms: 60000 } });
    append(path.join(env.logs, 'app.log'), ['x']);
    const agent = startAgent(env);
    await ready(env);
    await new Promise((r) => setTimeout(r, 500));
    agent.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    agent.child.kill('SIGTERM');
    const code = await agent.exited;
    // 130 is the second signal's exit (the graceful stop would have waited out its 60 s grace, then exited 0).
    // How fast a process exits on a loaded machine is not the point: a CI run at load average 14 took over 2 s
    // here, so the bound only tells "at once" from "after the grace".
    expect(code).toBe(130);
    expect(Date.now() - t0, 'exited long before the 60 s grace').toBeLessThan(30_000);
  });

  it('fairness: a fast file does not starve a slow one', async () => {
    const env = makeEnv('fair', { agent: { read_buffer_bytes: 65536, max_inflight_bytes: 262144 } });
    const big = lines('fast', 0, 60_000);
    append(path.join(env.logs, 'fast.log'), big);
    const agent = startAgent(env);
    await ready(env);
    const t0 = Date.now();
    append(path.join(env.logs, 'slow.log'), ['the slow file speaks']);
    const s = await waitShipped(env, ['the slow file speaks'], 20_000);
    const fastDone = s.events.filter((e) => e.message.startsWith('fast')).length;
    process.stderr.write(`[fair] slow line shipped after ${Date.now() - t0} ms, with ${fastDone}/${big.length} fast lines shipped\n`);
    expect(fastDone).toBeLessThan(big.length);
    await waitShipped(env, big, 60_000);
    expect(await agent.stop()).toBe(0);
  });
});
