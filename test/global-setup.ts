// Starts the local Kafka + Elasticsearch (a no-op when they already run) before any test. Integration tests
// talk to these real services; nothing stands in for them.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export default function setup() {
  const only = process.argv.join(' ');
  // A run limited to unit tests needs no services.
  if (/test\/unit/.test(only) && !/test\/integration/.test(only)) return;
  const t0 = Date.now();
  const r = spawnSync('bash', [path.resolve('stack/stack.sh'), 'up'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`stack/stack.sh up failed (exit ${r.status}): the integration tests need Kafka and Elasticsearch`);
  process.stderr.write(`[global-setup] Kafka and Elasticsearch up in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
}
