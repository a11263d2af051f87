// Retention: whole daily indices older than retention_days are deleted (cheaper and simpler than ILM for
// daily indices; an operator who wants ILM sets retention_days: 0 and attaches a policy to the template).
import type { Logger } from '../common/logger.js';
import type { Es } from './es-client.js';

export function expiredIndices(indices: string[], prefix: string, retentionDays: number, now: Date): string[] {
  const cutoff = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - retentionDays * 86_400_000;
  const re = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d{4})\\.(\\d{2})\\.(\\d{2})$`);
  return indices.filter((i) => {
    const m = re.exec(i);
    return m !== null && Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) < cutoff;
  });
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
