// `logship agent`: tails the configured files into Kafka (or, with --stdin, ships a pipe: see stdin.ts).
import { LogshipError } from '../common/errors.js';
import { RUNNING, configFlags, help, loadFromFlags, parse, startDaemon, loadAgent } from './shared.js';
import { stdinCommand } from './stdin.js';

const HELP = `Usage: logship agent -c FILE [--set key=value]... [--file GLOB]... [--stdin --source NAME]

Tails the files of agent.sources (or agent.files.include) and produces each line to Kafka (key = host name, acks=-1).
A file's checkpoint advances only past lines Kafka acknowledged.

Options:
  -c, --config FILE    YAML config (see 'logship config-doc')
  --set key=value      override a config key, e.g. --set agent.read_from=end
  --file GLOB          add an include glob (repeatable)
  --stdin              read lines from standard input instead of files
  --source NAME        the source name of stdin lines (default: stdin)

Examples:
  logship agent -c /etc/logship/agent.yaml
  logship agent --file '/var/log/nginx/*.log' --set kafka.brokers=kafka:9092
  my-app | logship agent --stdin --source my-app
`;

export async function agentCommand(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    { ...configFlags, file: { type: 'string', multiple: true }, stdin: { type: 'boolean' }, source: { type: 'string' } },
    false,
  );
  if (values.help) return help(HELP);
  if (values.stdin) return stdinCommand(values);
  const cfg = loadFromFlags(
    values,
    values.file
      ? [
          ['agent.files.include', [...values.file]],
          ['agent.sources', []],
        ]
      : [],
  );
  if (cfg.agent.files.include.length === 0 && cfg.agent.sources.length === 0)
    throw new LogshipError(
      'LOGSHIP_ERR_USAGE',
      'nothing to tail: set agent.sources (or agent.files.include) in the config, pass --file GLOB, or use --stdin',
    );
  const createAgent = await loadAgent(cfg);
  await startDaemon({ cfg, name: 'agent', create: (log, onFatal) => createAgent(cfg, { log, onFatal }) });
  return RUNNING;
}
