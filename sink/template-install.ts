// Before consuming: the index template must be in place, so the first daily index gets its mappings. Elasticsearch
// away is waited for (with backoff, until stopped); a template it refuses, or refused credentials, fail the start.
import { backoffMs, sleep } from '../common/backoff.js';
import { errorMessage, LogshipError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { Config } from '../config/types.js';
import type { EsState } from './batch-handler.js';
import type { Es } from './es-client.js';
import { indexTemplate, templateName } from './index-template.js';

export async function installTemplateWhenReachable(
  es: Es,
  cfg: Config,
  o: { log: Logger; esState: EsState; signal: AbortSignal; onUnreachable: (err: unknown, attempt: number) => void },
): Promise<void> {
  for (let attempt = 0; !o.signal.aborted; attempt++) {
    try {
      await es.putIndexTemplate(templateName(cfg), indexTemplate(cfg));
      o.log.info({ template: templateName(cfg), pattern: `${cfg.elasticsearch.index_prefix}-*` }, 'index template installed');
      o.esState.healthy = true;
      return;
    } catch (err) {
      if (err instanceof LogshipError && !err.retriable) throw err;
      o.esState.healthy = false;
      o.esState.error = errorMessage(err);
      o.onUnreachable(err, attempt);
      await sleep(backoffMs(attempt, cfg.sink.retry_initial_ms, cfg.sink.retry_max_ms), o.signal);
    }
  }
}
