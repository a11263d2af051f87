// `logship test-output`: are Kafka and Elasticsearch reachable and usable with this config?
import { EXIT, LogshipError, errorMessage, exitCodeFor } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { createRedactor, displayUrl } from '../common/redact.js';
import { secretsOf } from '../config/loader.js';
import { kafkaClientOptions } from '../kafka/options.js';
import { createKafkaProducer } from '../kafka/producer.js';
import { ensureTopics, topicReplication } from '../kafka/admin.js';
import { describeReplication, replicationProblems } from '../kafka/replication.js';
import { kafkaError } from '../kafka/errors.js';
import { createEs } from '../sink/es-client.js';
import { templateName } from '../sink/index-template.js';
import { configFlags, help, loadFromFlags, parse } from './shared.js';

const HELP = `Usage: logship test-output [-c FILE] [--kafka-only | --es-only]

Checks Kafka (brokers reachable, topics exist or can be created, their replication factor, min.insync.replicas
and in-sync replicas, a record can be written with acks=-1 to the topic <topic>-check) and Elasticsearch (reachable, version, index template present), with the configured
TLS and credentials. Exit 0 when all pass, 78 when a service refused the credentials or its certificate is not
trusted (a config problem), 69 when a service is unavailable.

Example:
  logship test-output -c /etc/logship/agent.yaml
`;

export async function testOutputCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { ...configFlags, 'kafka-only': { type: 'boolean' }, 'es-only': { type: 'boolean' } }, false);
  if (values.help) return help(HELP);
  const cfg = loadFromFlags(values);
  const secrets = secretsOf(cfg);
  const log = createLogger({ level: 'error', name: 'test-output', secrets });
  // Every line is redacted (a client's error may quote the URL it was given), and the URL is shown without its password.
  const redact = createRedactor(secrets);
  const esUrl = displayUrl(cfg.elasticsearch.url);
  let exit: number = EXIT.OK;
  const say = (ok: boolean, what: string, err?: unknown) => {
    process.stdout.write(redact(`${ok ? 'ok  ' : 'FAIL'} ${what}\n`));
    // The worst failure decides: a config problem (78) over an unavailable service (69).
    if (!ok) exit = Math.max(exit, err instanceof LogshipError && exitCodeFor(err) === EXIT.CONFIG ? EXIT.CONFIG : EXIT.UNAVAILABLE);
  };
  if (!values['es-only']) {
    const client = { ...kafkaClientOptions(cfg, 'test-output'), requestTimeout: 10_000 };
    try {
      await ensureTopics(
        client,
        log,
        [
          { topic: cfg.kafka.topic, partitions: cfg.kafka.topic_partitions },
          { topic: cfg.kafka.dlq_topic, partitions: 1 },
        ],
        topicReplication(cfg),
      );
      say(true, `kafka ${cfg.kafka.brokers.join(',')}: topics ${cfg.kafka.topic}, ${cfg.kafka.dlq_topic} exist`);
      for (const topic of [cfg.kafka.topic, cfg.kafka.dlq_topic]) {
        const r = await describeReplication(client, log, topic);
        const { blocking, degraded } = replicationProblems(r);
        say(
          blocking.length === 0,
          `kafka: topic ${topic}: ${r.partitions.length} partition(s), replication factor ${r.replicationFactor}, ` +
            `min.insync.replicas ${r.minInsyncReplicas ?? 'unknown'}${[...blocking, ...degraded].map((x) => `; ${x}`).join('')}`,
        );
      }
      const want = topicReplication(cfg);
      process.stdout.write(
        `     configured for created topics: kafka.topics.replication_factor ${want.replicationFactor}${want.replicationFactor < 0 ? " (the brokers' default)" : ''}, ` +
          `kafka.topics.min_insync_replicas ${want.minInsyncReplicas}${want.minInsyncReplicas === 0 ? " (the brokers' default)" : ''}\n`,
      );
      const p = createKafkaProducer(client, log);
      try {
        await p.connect();
        await p.send(`${cfg.kafka.topic}-check`, [
          { key: 'logship-test-output', value: Buffer.from(JSON.stringify({ check: new Date().toISOString() })) },
        ]);
      } finally {
        // A failed connect or send must not leave the producer's sockets (and this process) running.
        await p.disconnect().catch(() => undefined);
      }
      say(true, `kafka: record written with acks=-1 to ${cfg.kafka.topic}-check`);
    } catch (err) {
      const e = kafkaError(err, cfg.kafka.brokers);
      say(false, `kafka ${cfg.kafka.brokers.join(',')}: ${errorMessage(e).replace(/^Kafka at \S+: /, '')}`, e);
    }
  }
  if (!values['kafka-only']) {
    const es = createEs(cfg);
    try {
      const info = await es.info();
      say(true, `elasticsearch ${esUrl}: version ${info.version}, cluster ${info.clusterName}`);
      const has = await es.getIndexTemplate(templateName(cfg));
      say(has, `elasticsearch: index template ${templateName(cfg)} ${has ? 'present' : 'missing (the sink installs it at start)'}`);
    } catch (err) {
      say(false, `elasticsearch ${esUrl}: ${errorMessage(err).replace(/^Elasticsearch at \S+: /, '')}`, err);
    } finally {
      await es.close();
    }
  }
  return exit;
}
