// The README documents every command and every metric, and carries the current config reference.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createAgentMetrics } from '../../agent/metrics.js';
import { createSinkMetrics } from '../../sink/metrics.js';
import { configReference } from '../../config/reference.js';
import { ROOT } from '../support/paths.js';

const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const silent = pino({ level: 'silent' });

describe('README', () => {
  it('documents every metric the agent and sink register', async () => {
    const names = [
      ...(await createAgentMetrics(silent).registry.getMetricsAsJSON()),
      ...(await createSinkMetrics(silent).registry.getMetricsAsJSON()),
    ]
      .map((m) => m.name)
      .filter((n) => !/^logship_(agent|sink)_(process|nodejs)_/.test(n));
    expect(names.length).toBeGreaterThan(25);
    const missing = names.filter((n) => !readme.includes('`' + n));
    expect(missing).toEqual([]);
  });

  it('documents every command', async () => {
    const src = fs.readFileSync(path.join(ROOT, 'cli/commands.ts'), 'utf8');
    const block = src.slice(src.indexOf('export const commands'));
    const cmds = [...block.matchAll(/^\s+'?([a-z-]+)'?:/gm)].map((m) => m[1]);
    expect(cmds.length).toBeGreaterThan(8);
    for (const c of cmds) expect(readme, `command ${c}`).toContain(`logship ${c}`);
  });

  it('carries the current config reference (npm run docs regenerates it)', () => {
    const ref = configReference().replace(/^# logship configuration reference\n\n/, '');
    expect(readme).toContain(ref.trim());
  });
});
