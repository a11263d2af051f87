// `logship sink`: the Kafka consumer group that bulk-indexes into Elasticsearch.
import { RUNNING, configFlags, help, loadFromFlags, parse, startDaemon } from './shared.js';

const HELP = `Usage: logship sink -c FILE [--set key=value]...

Consumes the Kafka topic in a consumer group and bulk-indexes the events into daily indices
<prefix>-YYYY.MM.DD with op 'create' and _id = event id. Commits offsets only past records that are
indexed, duplicates (409) or dead-lettered.

Examples:
  logship sink -c /etc/logship/sink.yaml
  logship sink --set elasticsearch.url=http://es:9200 --set kafka.brokers=kafka:9092
`;

export async function sinkCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, configFlags, false);
  if (values.help) return help(HELP);
  const cfg = loadFromFlags(values);
  const { createSink } = await import('../sink/sink.js');
  await startDaemon({ cfg, name: 'sink', create: (log, onFatal) => createSink(cfg, { log, onFatal }) });
  return RUNNING;
}
