// `logship dlq list|replay`: what was dead-lettered and why; send originals back to the topic once fixed.
import { EXIT, LogshipError } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { secretsOf } from '../config/loader.js';
import { kafkaClientOptions } from '../kafka/options.js';
import { createKafkaProducer } from '../kafka/producer.js';
import { readTopicRange } from '../kafka/topic-reader.js';
import { originalOf, parseDeadLetter, type DeadLetter } from '../sink/dead-letter.js';
import { configFlags, loadFromFlags, parse } from './shared.js';
import { escapeControls, safeJson } from './terminal-text.js';

const HELP = `Usage: logship dlq list [--json] [-c FILE]
       logship dlq replay [--dry-run] [-c FILE]

list    prints every dead letter: time, stage, error type, source partition/offset, reason.
replay  re-publishes the original events to the main topic (consumer group logship-dlq-replay remembers how far
        it got, so a second replay does not resend). Events that fail again come back with their reason.

Examples:
  logship dlq list
  logship dlq list --json | jq .reason
  logship dlq replay
`;

/** A dead letter as `list` prints it. Its fields come from Kafka, anyone's text: never raw control characters. */
export function letterLine(d: DeadLetter, json: boolean): string {
  if (json) return safeJson(d) + '\n';
  const where = `${d.source.topic}/${d.source.partition}/${d.source.offset}`;
  return escapeControls(`${d.failed_at} ${d.stage} ${d.error_type} ${where} ${d.reason}`, { oneLine: true }) + '\n';
}

const REPLAY_GROUP = 'logship-dlq-replay';

export async function dlqCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parse(rest, { ...configFlags, json: { type: 'boolean' }, 'dry-run': { type: 'boolean' } }, false);
  if (!sub || sub === '--help' || sub === '-h' || values.help) {
    process.stdout.write(HELP);
    return sub ? EXIT.OK : EXIT.USAGE;
  }
  const cfg = loadFromFlags(values);
  const log = createLogger({ level: cfg.log_level === 'info' ? 'warn' : cfg.log_level, name: 'dlq', secrets: secretsOf(cfg) });
  const client = kafkaClientOptions(cfg, 'dlq');
  if (sub === 'list') {
    const r = await readTopicRange(client, cfg.kafka.dlq_topic, (rec) => {
      const d = parseDeadLetter(rec.value);
      if (!d)
        return void process.stdout.write(
          values.json
            ? JSON.stringify({ partition: rec.partition, offset: rec.offset, not_a_dead_letter: true }) + '\n'
            : `${rec.partition}/${rec.offset} (not a logship dead letter)\n`,
        );
      process.stdout.write(letterLine(d, values.json === true));
    });
    process.stderr.write(
      `${r.count} dead letter(s) in ${cfg.kafka.dlq_topic}${r.complete ? '' : ' (timed out before the end of the topic: the list is incomplete)'}\n`,
    );
    return r.complete ? EXIT.OK : EXIT.UNAVAILABLE;
  }
  if (sub === 'replay') {
    const dryRun = values['dry-run'] === true;
    const letters: DeadLetter[] = [];
    let skipped = 0;
    const publish = async () => {
      if (dryRun || letters.length === 0) return;
      const p = createKafkaProducer(client, log);
      await p.connect();
      try {
        await p.send(
          cfg.kafka.topic,
          letters.map((d) => ({
            key: d.source.key,
            value: originalOf(d),
            headers: { 'logship-replayed-from': `${d.source.partition}/${d.source.offset}` },
          })),
        );
      } finally {
        await p.disconnect();
      }
    };
    // The replay group remembers how far it got, so a second replay does not resend; it commits only after Kafka
    // acknowledged the re-published originals (a failed publish leaves the letters to the next replay).
    const r = await readTopicRange(
      client,
      cfg.kafka.dlq_topic,
      (rec) => {
        const d = parseDeadLetter(rec.value);
        // A letter whose original was cut to fit the dead-letter topic holds only a prefix: replaying it would
        // only be refused again. It stays in the DLQ (listed with its size), counted here.
        if (d?.original_truncated) skipped++;
        else if (d) letters.push(d);
      },
      dryRun ? {} : { groupId: REPLAY_GROUP, handled: publish },
    );
    process.stderr.write(
      `${dryRun ? 'would replay' : 'replayed'} ${letters.length} dead letter(s) to ${cfg.kafka.topic}${skipped > 0 ? `; ${skipped} skipped: their original was cut to fit the dead-letter topic (original_truncated)` : ''}${r.complete ? '' : ' (timed out before the end of the dead-letter topic: run it again for the rest)'}\n`,
    );
    return EXIT.OK;
  }
  throw new LogshipError('LOGSHIP_ERR_USAGE', `unknown dlq command "${sub}" (list, replay)`);
}
