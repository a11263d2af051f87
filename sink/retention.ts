// Retention: whole daily indices older than retention_days are deleted (cheaper and simpler than ILM for
// daily indices; an operator who wants ILM sets retention_days: 0 and attaches a policy to the template).
import type { Logger } from '../common/logger.js';
import type { Es } from './es-client.js';

/**
 * The daily indices of `prefix` whose day is before the last `retentionDays` whole days. Whatever index names
 * exist (logs-1970.01.01, logs-275760.09.13, logs-foo, logs-2024.02.31), this never throws and never picks one
 * whose name is not the prefix followed by a real calendar day: an index it cannot read as a date is kept.
 */
export function expiredIndices(indices: readonly unknown[], prefix: string, retentionDays: number, now: Date): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const cutoff = today - retentionDays * 86_400_000;
  if (!Number.isFinite(cutoff)) return [];
  const re = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d{4,6})\\.(\\d{2})\\.(\\d{2})$`);
  return indices.filter((i): i is string => {
    if (typeof i !== 'string') return false;
    const day = dayOf(re.exec(i));
    return day !== undefined && day < cutoff;
  });
}

/** The UTC day of a matched y.m.d, or undefined unless it is a real calendar day (no 2024.02.31, no 2024.13.01). */
function dayOf(m: RegExpExecArray | null): number | undefined {
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  if (!Number.isFinite(t)) return undefined;
  const back = new Date(t);
  return back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d ? t : undefined;
}

export async function deleteExpiredIndices(es: Es, prefix: string, retentionDays: number, now: Date, log: Logger): Promise<string[]> {
  const old = expiredIndices(await es.listIndices(`${prefix}-*`), prefix, retentionDays, now);
  for (const i of old) {
    await es.deleteIndex(i);
    log.info({ index: i, retention_days: retentionDays }, 'deleted index past retention');
  }
  return old;
}

/** Runs the deletion now and every `everyMs`; a failed run is reported and tried again at the next. Returns the stop function. */
export function scheduleRetention(
  es: Es,
  prefix: string,
  retentionDays: number,
  log: Logger,
  onFailure: (err: unknown) => void,
  everyMs = 3_600_000,
): () => void {
  const run = () => void deleteExpiredIndices(es, prefix, retentionDays, new Date(), log).catch(onFailure);
  run();
  const timer = setInterval(run, everyMs);
  return () => clearInterval(timer);
}
