// `logship stack ...`: the local Kafka + Elasticsearch (stack/stack.sh) used by tests, benchmarks and the demo.
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { EXIT } from '../common/errors.js';
import { ROOT, help } from './shared.js';

const HELP = `Usage: logship stack up [--kafka-brokers 1|3]|down|status|reset|env|verify-cache|up-secure-es|down-secure-es
       logship stack up-cluster|down-cluster|start-broker N|stop-broker N|kill-broker N|freeze-broker N|thaw-broker N

Runs a single-node Kafka (KRaft) and a single-node Elasticsearch on 127.0.0.1, fetched from Maven Central
with mvn (cached). Used by the tests, the benchmarks and the demo. Needs a JDK (17+), mvn, curl, unzip and
openssl. Kafka also listens with SSL (port +10), SASL_PLAINTEXT (+11) and SASL_SSL (+12); up-secure-es starts
a second Elasticsearch with security and HTTPS (port +1). env prints the addresses, CA file and credentials.
verify-cache checks the cached Kafka and Elasticsearch artifacts against the SHA pins in stack.sh (starts nothing).
--kafka-brokers 3 (or LOGSHIP_STACK_KAFKA_BROKERS=3) starts a three-broker KRaft cluster (combined broker+controller
nodes) on Kafka's port +20..+22 instead of the single node; up-cluster starts it beside the single node; the
*-broker N commands stop (SIGTERM), kill (SIGKILL), start, freeze (SIGSTOP) or thaw (SIGCONT) one of its brokers.
Environment: LOGSHIP_STACK_DIR, LOGSHIP_KAFKA_PORT (9092), LOGSHIP_ES_PORT (9200), LOGSHIP_KAFKA_SSL_PORT,
LOGSHIP_KAFKA_SASL_PLAINTEXT_PORT, LOGSHIP_KAFKA_SASL_SSL_PORT, LOGSHIP_ES_SECURE_PORT, LOGSHIP_CLUSTER_PORT,
LOGSHIP_CLUSTER_CONTROLLER_PORT, LOGSHIP_CLUSTER_HEAP (384m).
`;

export function stackCommand(argv: string[]): number {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') return help(HELP);
  const r = spawnSync('bash', [path.join(ROOT, 'stack/stack.sh'), ...argv], { stdio: 'inherit' });
  return r.status ?? EXIT.FAILURE;
}
