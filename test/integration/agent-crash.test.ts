// The agent killed with SIGKILL 20 times while lines are written and the file is rotated both ways (rename +
// create, copy + truncate): every written line reaches Kafka, and each line keeps one id however often it is
// re-sent (so the sink makes one document of it).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { logship, makeEnv, waitFor } from '../support/helpers.js';
import { append, expectExactly, fixInclude, lines, shipped, waitShipped } from '../support/agent-harness.js';
import { rng } from '../support/rng.js';
import { sleep } from '../support/sleep.js';

const KILLS = 20;

/** logrotate's two ways, done by hand: shift app.log.N to .N+1, then rename or copy+truncate app.log. */
function rotate(file: string, kind: 'rename' | 'copytruncate') {
  const dir = path.dirname(file);
  const base = path.basename(file);
  const kept = fs
    .readdirSync(dir)
    .map((n) => Number(/^.*\.(\d+)$/.exec(n)?.[1]))
    .filter((n) => n > 0)
    .sort((a, b) => b - a);
  for (const n of kept) fs.renameSync(path.join(dir, `${base}.${n}`), path.join(dir, `${base}.${n + 1}`));
  if (kind === 'rename') {
    fs.renameSync(file, `${file}.1`);
  } else {
    fs.copyFileSync(file, `${file}.1`);
    fs.truncateSync(file, 0);
  }
}

describe('agent: SIGKILL storm', () => {
  it(`killed ${KILLS} times during continuous writes with rename and copytruncate rotations: every line in Kafka, one id each`, async () => {
    const env = makeEnv('killstorm', {
      agent: { batch: { max_events: 100, linger_ms: 5 }, close_inactive_ms: 2000, files: { include: ['__LOGS__/app.log*'] } },
    });
    fixInclude(env);
    const file = path.join(env.logs, 'app.log');
    const rand = rng(20261127);
    const all: string[] = [];
    let n = 0;
    let stopWriting = false;
    const rotations = { rename: 0, copytruncate: 0 };
    // The writer runs all along, through kills and restarts, as an application would.
    const writer = (async () => {
      while (!stopWriting) {
        const ls = lines('storm', n, n + 10);
        n += 10;
        append(file, ls);
        all.push(...ls);
        await sleep(20);
      }
    })();
    for (let k = 0; k < KILLS; k++) {
      const agent = logship(['agent', '-c', env.config]);
      await waitFor(
        'agent up',
        () =>
          fetch(`http://${env.agentMetrics}/healthz`)
            .then((r) => r.ok)
            .catch(() => false),
        60_000,
        50,
      );
      await sleep(300 + rand() * 1200);
      if (rand() < 0.6) {
        const kind = k % 2 === 0 ? 'copytruncate' : 'rename';
        rotate(file, kind); // while the agent runs
        rotations[kind]++;
        await sleep(rand() * 500);
      }
      agent.child.kill('SIGKILL');
      await agent.exited;
      if (rand() < 0.3) {
        const kind = rand() < 0.5 ? 'copytruncate' : 'rename';
        rotate(file, kind); // while it is down
        rotations[kind]++;
      }
    }
    stopWriting = true;
    await writer;
    expect(rotations.rename).toBeGreaterThan(0);
    expect(rotations.copytruncate).toBeGreaterThan(0);
    const agent = logship(['agent', '-c', env.config]);
    const s = await waitShipped(env, all, 120_000);
    await sleep(2000);
    expect(await agent.stop()).toBe(0);
    const final = await shipped(env);
    expectExactly(final, all, { allowDuplicates: true });
    expect(final.records, 'kills must have made the agent re-send something').toBeGreaterThan(all.length);
    process.stderr.write(
      `[killstorm] ${all.length} lines, ${KILLS} kills, ${rotations.rename} rename + ${rotations.copytruncate} copytruncate rotations, ` +
        `${final.records} records in Kafka (${final.records - all.length} re-sent), ${s.records} when the last line arrived\n`,
    );
  });
});
