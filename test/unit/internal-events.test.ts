import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createFaultReporter, streakLevel } from '../../common/internal-events.js';
import type { Logger } from '../../common/logger.js';

function recorder() {
  const lines: Array<{ level: string; fields: Record<string, unknown>; msg: string }> = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) => lines.push({ level, fields, msg });
  const log = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') } as unknown as Logger;
  return { log, lines };
}

describe('internal events', () => {
  it('streakLevel: the first of a streak loud, every nth again, the rest at debug', () => {
    expect([1, 2, 9, 10, 11, 20].map((n) => streakLevel(n))).toEqual(['warn', 'debug', 'debug', 'warn', 'debug', 'warn']);
    expect([1, 2, 60].map((n) => streakLevel(n, { first: 'error', every: 60 }))).toEqual(['error', 'debug', 'warn']);
  });

  it('one call logs and counts, with the same stage and error_type', async () => {
    const registry = new Registry();
    const { log, lines } = recorder();
    const fault = createFaultReporter({
      component: 'agent',
      registry,
      log,
      stages: ['read', 'scan'] as const,
      errorTypes: ['io'] as const,
    });
    fault({ stage: 'read', errorType: 'io', message: 'read failed', err: new Error('EIO'), fields: { path: '/x' } });
    fault({ stage: 'read', errorType: 'io', message: 'read failed', err: 'EIO', consecutive: 2, streak: {} });
    const text = await registry.metrics();
    expect(text).toContain('logship_agent_errors_total{stage="read",error_type="io"} 2');
    expect(lines[0]).toEqual({ level: 'warn', fields: { stage: 'read', error_type: 'io', path: '/x', err: 'EIO' }, msg: 'read failed' });
    expect(lines[1].level).toBe('debug');
    expect(lines[1].fields.consecutive).toBe(2);
  });

  it('a label outside the declared sets counts as other (series stay bounded)', async () => {
    const registry = new Registry();
    const fault = createFaultReporter({ component: 'sink', registry, log: recorder().log, stages: ['bulk'], errorTypes: ['http'] });
    fault({ stage: 'nope' as 'bulk', errorType: 'http', message: 'x' });
    expect(await registry.metrics()).toContain('logship_sink_errors_total{stage="other",error_type="http"} 1');
  });
});
