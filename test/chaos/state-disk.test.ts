// The agent's state directory on a file system that fills up. The directory holds the read-time journal
// (read-times.log) and checkpoints.json; both writes fail with ENOSPC while a filler file takes every free page.
// Expected: reading pauses (no line leaves before its read time is on disk), the checkpoint file on disk stays
// the last good one and always parses and checksums, a metric counts the failed writes and /readyz says why;
// once the filler is gone everything resumes by itself and the oracle holds.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCheckpoints } from '../../agent/state/checkpoint-store.js';
import { metricValue, waitFor } from '../support/helpers.js';
import {
  Pipeline,
  Writer,
  chaosEnv,
  expectBalanced,
  expectFreshLineSearchable,
  readyz,
  record,
  scenario,
  verifyExactlyOnce,
} from './harness.js';
import { sleep } from '../support/sleep.js';

const IS_ROOT = process.getuid?.() === 0;

function mountTmpfs(dir: string, size: string) {
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'logship-chaos-state', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount tmpfs on ${dir} failed: ${r.stderr}`);
}

function unmount(dir: string) {
  if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir]); // lazy: a process may still hold it
}

/** Takes every free page of the file system, and keeps taking the ones that get freed, until stop(). */
function fillUp(file: string) {
  const fd = fs.openSync(file, 'w');
  const big = Buffer.alloc(256 * 1024, 0x66);
  const small = Buffer.alloc(4096, 0x66);
  const top = () => {
    for (const chunk of [big, small]) {
      for (;;) {
        try {
          if (fs.writeSync(fd, chunk) < chunk.length) break;
        } catch {
          break; // ENOSPC: full
        }
      }
    }
  };
  top();
  // A failed checkpoint write frees its temp file's pages: take them too, or another write could slip through.
  const timer = setInterval(top, 100);
  return {
    bytes: () => fs.fstatSync(fd).size,
    stop() {
      clearInterval(timer);
      fs.closeSync(fd);
      fs.rmSync(file);
    },
  };
}

/** The checkpoint file as it is on disk: it must always parse and checksum. Returns a hash of its content. */
function checkpointOnDisk(stateDir: string): string {
  const text = fs.readFileSync(path.join(stateDir, 'checkpoints.json'), 'utf8');
  const parsed = parseCheckpoints(text);
  expect('reason' in parsed ? parsed.reason : 'ok', 'checkpoints.json on disk').toBe('ok');
  return createHash('sha256').update(text).digest('hex');
}

describe('chaos: state directory', () => {
  it.skipIf(!IS_ROOT)(
    "[ci] the agent's state directory fills up under load (tmpfs + filler): reading pauses, checkpoints stay whole, all resumes by itself",
    async () => {
      const sc = scenario('state directory file system full');
      const env = chaosEnv('statefull');
      const stateDir = path.join(env.dir, 'state');
      fs.mkdirSync(stateDir);
      mountTmpfs(stateDir, '1m');
      const p = new Pipeline(env);
      let filler: ReturnType<typeof fillUp> | undefined;
      try {
        const file = path.join(env.logs, 'app.log');
        p.startSink();
        p.startAgent();
        const w = new Writer(file, 'statefull');
        w.start(5, 10);
        const A = (n: string, labels?: Record<string, string>) => metricValue(env.agentMetrics, n, labels);
        await waitFor(
          'the agent shipping, with a checkpoint on disk',
          async () =>
            (await A('logship_agent_lines_produced_total')) > 0 && fs.existsSync(path.join(stateDir, 'checkpoints.json'))
              ? true
              : undefined,
          60_000,
          250,
        );
        await sleep(2000);
        checkpointOnDisk(stateDir);

        filler = fillUp(path.join(stateDir, 'filler'));
        const faultAt = Date.now();
        const notReady = await waitFor(
          'agent not ready, saying why',
          async () => {
            const r = await readyz(env.agentMetrics);
            return r.status === 503 && r.reasons.some((x) => /read-times\.log: ENOSPC/.test(x)) ? r : undefined;
          },
          30_000,
          250,
        );
        // Reading paused: nothing more is read while no read time can be written.
        const cpHash = checkpointOnDisk(stateDir);
        const readAtPause = await A('logship_agent_lines_read_total');
        for (let i = 0; i < 10; i++) {
          await sleep(500);
          expect(checkpointOnDisk(stateDir), 'the checkpoint on disk stays the last good one').toBe(cpHash);
        }
        expect(await A('logship_agent_lines_read_total'), 'lines read while the state directory is full').toBe(readAtPause);
        const journalErrors = await A('logship_agent_state_write_errors_total', { file: 'read_times' });
        const checkpointErrors = await A('logship_agent_state_write_errors_total', { file: 'checkpoints' });
        expect(journalErrors).toBeGreaterThan(0);
        expect(checkpointErrors).toBeGreaterThan(0);
        expect(notReady.reasons.join(' | ')).toMatch(/reading paused/);
        const stillNotReady = await readyz(env.agentMetrics);
        expect(
          stillNotReady.reasons.some((x) => /^checkpoint: .*ENOSPC/.test(x)),
          stillNotReady.reasons.join(' | '),
        ).toBe(true);
        expect(fs.readdirSync(stateDir).filter((f) => f.includes('corrupt') || f.endsWith('.tmp'))).toEqual([]);
        const fillerBytes = filler.bytes();
        const faultSeconds = Math.round((Date.now() - faultAt) / 1000);

        filler.stop();
        filler = undefined;
        await waitFor('agent ready again', async () => (await readyz(env.agentMetrics)).status === 200 || undefined, 30_000, 250);
        await sleep(3000);
        w.stop();
        const v = await verifyExactlyOnce(env, w.written, { timeoutMs: 120_000 });
        await expectBalanced(env);
        await expectFreshLineSearchable(env, file);
        expect(await p.stopAgent('SIGTERM')).toBe(0);
        const cp = parseCheckpoints(fs.readFileSync(path.join(stateDir, 'checkpoints.json'), 'utf8'));
        expect('state' in cp && Object.values(cp.state.files).map((f) => f.offset)).toEqual([fs.statSync(file).size]);
        await p.stop();
        process.stderr.write(
          `[chaos] ${sc.name}: ${w.written.length} lines; full for ${faultSeconds} s (filler ${fillerBytes} bytes), ${journalErrors} journal and ${checkpointErrors} checkpoint write errors; reasons: ${notReady.reasons.join(' | ')}\n`,
        );
        record({
          scenario: sc.name,
          fault: `1 MiB tmpfs as data_dir filled by a filler for ${faultSeconds} s under load (ENOSPC on read-times.log and checkpoints.json)`,
          written: w.written.length,
          indexed: v.indexed,
          duplicates: v.duplicates,
          lost: v.lost,
          deadLettered: 0,
          kafkaDuplicates: 0,
          seed: sc.seed,
          seconds: sc.seconds(),
          others:
            'Filebeat\'s registrar logs "Writing of registry returned error ... Continuing" and keeps shipping (elastic/beats#1742); Vector\'s file source logs "Failed writing checkpoints" and keeps reading (vectordotdev/vector#13986): a restart then starts from the older state on disk. Fluent Bit not checked.',
        });
      } finally {
        filler?.stop();
        await p.killAgent(); // it holds files on the tmpfs: unmounting needs it gone
        unmount(stateDir);
      }
    },
  );
});
