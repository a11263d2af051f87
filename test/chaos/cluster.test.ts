// The three-broker cluster (stack.sh up-cluster, started here when it is not up): the leader of the agent's
// partition killed with SIGKILL under writes and rotation, then restarted. In the CI subset ([ci]).
import { describe, expect, it } from 'vitest';
import { metricValue, waitFor } from '../support/helpers.js';
import { sleep } from '../support/sleep.js';
import { CLUSTER_TEST_MS, agentPartition, broker, leaderOf, waitInSync } from './cluster-harness.js';
import { clusterScenario } from './cluster-scenario.js';

describe('chaos: three-broker cluster, leader failover', () => {
  it(
    '[ci] the leader of the partition the agent writes to killed with SIGKILL, then restarted: nothing lost, nothing twice',
    async () => {
      const v = await clusterScenario('leader SIGKILL', async ({ env, meter, notes }) => {
        const part = await agentPartition(env.topic);
        const leader = await leaderOf(env.topic, part);
        await broker('kill', leader);
        // Counted from the moment the leader is gone (stack.sh returns once the process has exited).
        meter.markFault();
        const acked = await metricValue(env.agentMetrics, 'logship_agent_lines_produced_total');
        notes.push(`leader ${leader} of partition ${part} killed`);
        // The agent produces again once its metadata names the new leader.
        await waitFor(
          'the agent producing again after the leader died',
          async () => ((await metricValue(env.agentMetrics, 'logship_agent_lines_produced_total')) > acked + 100 ? true : undefined),
          120_000,
          250,
        );
        const next = await waitFor(
          'a new leader in the metadata',
          async () => {
            const l = await leaderOf(env.topic, part).catch(() => leader);
            return l !== leader ? l : undefined;
          },
          60_000,
          500,
        );
        expect(next, 'a new leader').not.toBe(leader);
        notes.push(`broker ${next} leads it now`);
        await sleep(5000);
        await broker('start', leader);
        await waitInSync([env.topic]);
      });
      expect(v.resumedS, 'the agent produced again').not.toBe('-');
    },
    CLUSTER_TEST_MS,
  );
});
