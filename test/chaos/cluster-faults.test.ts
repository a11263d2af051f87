// The three-broker cluster's longer faults (not in the CI subset): a rolling restart, a frozen broker, two brokers
// down at once, and the sink group's coordinator killed during a rebalance.
import { describe, expect, it } from 'vitest';
import { logship, metricValue, waitFor } from '../support/helpers.js';
import { sleep } from '../support/sleep.js';
import { CI_SUBSET, readyz } from './harness.js';
import { BROKER_IDS, CLUSTER_TEST_MS, agentPartition, broker, committed, coordinatorOf, leaderOf, waitInSync } from './cluster-harness.js';
import { clusterScenario } from './cluster-scenario.js';

const acked = (address: string) => metricValue(address, 'logship_agent_lines_produced_total');

describe('chaos: three-broker cluster faults', () => {
  it.skipIf(CI_SUBSET)(
    'a rolling restart of all three brokers (SIGTERM, wait for the ISR, next): nothing lost, nothing twice',
    () =>
      clusterScenario('rolling restart', async ({ env, notes }) => {
        for (const n of BROKER_IDS) {
          await broker('stop', n);
          await sleep(3000);
          await broker('start', n);
          await waitInSync([env.topic, '__consumer_offsets']);
        }
        notes.push('brokers 1, 2, 3 stopped and started in turn');
      }),
    CLUSTER_TEST_MS,
  );

  it.skipIf(CI_SUBSET)(
    "the leader of the agent's partition frozen with SIGSTOP for 30 s, then continued: nothing lost, nothing twice",
    () =>
      clusterScenario('leader SIGSTOP 30 s', async ({ env, meter, notes }) => {
        const leader = await leaderOf(env.topic, await agentPartition(env.topic));
        meter.markFault();
        await broker('freeze', leader);
        try {
          await sleep(30_000);
        } finally {
          await broker('thaw', leader);
        }
        notes.push(`leader ${leader} frozen 30 s`);
        await waitInSync([env.topic, '__consumer_offsets']);
      }),
    CLUSTER_TEST_MS,
  );

  it.skipIf(CI_SUBSET)(
    'two brokers down at once: producing stalls with nothing acknowledged and /readyz saying why, then resumes; nothing lost',
    () =>
      clusterScenario('two brokers down', async ({ env, meter, notes }) => {
        const leader = await leaderOf(env.topic, await agentPartition(env.topic));
        const down = BROKER_IDS.filter((n) => n !== leader);
        meter.markFault();
        await Promise.all(down.map((n) => broker('kill', n)));
        try {
          // Requests in flight when they died may still be answered; after that nothing may be acknowledged.
          await sleep(10_000);
          const before = await acked(env.agentMetrics);
          await waitFor(
            'the agent not ready',
            async () => ((await readyz(env.agentMetrics)).status === 503 ? true : undefined),
            60_000,
            500,
          );
          const why = (await readyz(env.agentMetrics)).reasons;
          notes.push(`brokers ${down.join(', ')} killed; /readyz: ${why.join(' / ')}`);
          expect(why.join(' '), '/readyz names Kafka').toMatch(/kafka/);
          await sleep(15_000);
          expect(await acked(env.agentMetrics), 'nothing acknowledged with one broker of three').toBe(before);
        } finally {
          await Promise.all(down.map((n) => broker('start', n)));
        }
        meter.markFault();
        await waitFor('producing again', async () => (meter.resumedAfterMs !== undefined ? true : undefined), 180_000, 500);
        await waitInSync([env.topic, '__consumer_offsets']);
      }),
    CLUSTER_TEST_MS,
  );

  it.skipIf(CI_SUBSET)(
    "the sink group's coordinator killed during a rebalance: commits reach the new coordinator; nothing lost, nothing twice",
    () =>
      clusterScenario('coordinator killed in rebalance', async ({ env, p, notes }) => {
        const coordinator = await coordinatorOf(env.group);
        const first = p.sink!;
        // A second sink joins the group: a rebalance, and the coordinator dies in it.
        p.sink = logship(['sink', '-c', env.config]);
        p.sinkStarts++;
        await sleep(1000);
        await broker('kill', coordinator);
        // The first read that answers after the kill (a request to the dead coordinator is refused until the
        // metadata moves on): commits above it went to the new coordinator.
        const at = await waitFor('committed offsets readable after the kill', () => committed(env.group, env.topic), 180_000, 1000);
        await waitFor(
          'commits after the coordinator died',
          async () => ((await committed(env.group, env.topic)) > at ? true : undefined),
          180_000,
          1000,
        );
        const next = await coordinatorOf(env.group);
        notes.push(`coordinator ${coordinator} killed as a second sink joined; broker ${next} coordinates now`);
        expect(next).not.toBe(coordinator);
        await broker('start', coordinator);
        await waitInSync([env.topic, '__consumer_offsets']);
        // The first sink leaves (another rebalance); the second finishes the work and is the one checked.
        await first.stop();
        p.keepLog('sink', first);
      }),
    CLUSTER_TEST_MS,
  );
});
