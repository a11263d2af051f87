// Many files (issue 12, item 5): 10,000 small files created at once in a watched directory, read through a limit
// of 200 open files. Tried as a new user would before the fix, 3,000 files took minutes and held 3,023
// descriptors (each new file rewrote and fsynced the whole checkpoint file). Every line must reach Kafka exactly
// once, every file's checkpoint must reach its end, and the agent must stay within its descriptor limit.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../common/event.js';
import { logship, metricValue, makeEnv, readTopic, waitFor, type TestEnv } from '../support/helpers.js';
import { checkpointOf, expectExactly, type Shipped } from '../support/agent-harness.js';

const FILES = 10_000;
const MAX_OPEN = 200;

/** Every record of the topic, read with time for 20,000 of them. */
async function shippedAll(env: TestEnv): Promise<Shipped> {
  const recs = await readTopic(env.topic, 180_000);
  const events = recs.map((r) => JSON.parse(r.value) as LogEvent);
  const byMessage = new Map<string, Set<string>>();
  const byId = new Map<string, Set<string>>();
  for (const e of events) {
    (byMessage.get(e.message) ?? byMessage.set(e.message, new Set()).get(e.message)!).add(e.event.id);
    (byId.get(e.event.id) ?? byId.set(e.event.id, new Set()).get(e.event.id)!).add(e.message);
  }
  return { events, byMessage, byId, records: recs.length };
}

function openDescriptors(pid: number | undefined): number {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0; // not Linux, or gone
  }
}

describe('agent: many files', () => {
  it(`${FILES} files created at once, max_open_files ${MAX_OPEN}: every line in Kafka once, every checkpoint at its file's end`, async () => {
    const env = makeEnv('many-files', { log_level: 'info', agent: { max_open_files: MAX_OPEN } });
    const agent = logship(['agent', '-c', env.config]);
    await agent.started(90_000);
    const baseFds = openDescriptors(agent.child.pid);

    const expected: string[] = [];
    const sizes = new Map<string, number>();
    const t0 = Date.now();
    for (let i = 0; i < FILES; i++) {
      const file = path.join(env.logs, `f${String(i).padStart(5, '0')}.log`);
      const ls = Array.from({ length: 1 + (i % 3) }, (_, j) => `many-${i}-${j} a line of file ${i}`);
      const body = ls.join('\n') + '\n';
      fs.writeFileSync(file, body);
      sizes.set(file, Buffer.byteLength(body));
      expected.push(...ls);
    }
    const created = Date.now() - t0;

    let maxFds = 0;
    let maxOpen = 0;
    let maxWaiting = 0;
    await waitFor(
      `the checkpoints of ${FILES} files at their ends`,
      async () => {
        maxFds = Math.max(maxFds, openDescriptors(agent.child.pid));
        maxOpen = Math.max(maxOpen, await metricValue(env.agentMetrics, 'logship_agent_files_watched'));
        maxWaiting = Math.max(maxWaiting, await metricValue(env.agentMetrics, 'logship_agent_files_waiting'));
        let done = 0;
        try {
          for (const f of Object.values(checkpointOf(env).files)) if (sizes.get(f.path) === f.offset) done++;
        } catch {
          return false; // not written yet
        }
        return done === FILES;
      },
      900_000,
      500,
    );
    const allCheckpointed = Date.now() - t0;
    const s = await shippedAll(env);
    expectExactly(s, expected);
    expect(await agent.stop()).toBe(0);

    // Every file's entry is kept (open or closed while idle) and at its end, after shutdown too.
    const files = Object.values(checkpointOf(env).files);
    expect(files).toHaveLength(FILES);
    expect(files.filter((f) => sizes.get(f.path) !== f.offset).slice(0, 3)).toEqual([]);
    expect(maxOpen).toBeLessThanOrEqual(MAX_OPEN);
    expect(maxWaiting).toBeGreaterThan(0);
    // The limit holds for descriptors too: the files, plus the agent's own (sockets, journal, watcher).
    if (baseFds > 0) expect(maxFds).toBeLessThanOrEqual(baseFds + MAX_OPEN + 20);
    console.log(
      `many files: ${FILES} files (${expected.length} lines) created in ${created} ms; every checkpoint at its end ` +
        `${allCheckpointed} ms after the first was created; at most ${maxFds} descriptors (${baseFds} before), ` +
        `${maxOpen} files open, ${maxWaiting} waiting`,
    );
  }, 1_200_000);
});
