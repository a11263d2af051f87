// The `logship` command: argv -> config -> start/stop -> exit code.
import { LogshipError, EXIT, errorMessage, exitCodeFor } from '../common/errors.js';
import { registerCodecs } from '../kafka/codecs.js';
import { commands } from './commands.js';

const USAGE = `logship — ship log files and process output through Kafka into Elasticsearch

Usage: logship <command> [options]

Commands:
  agent         tail files (or --stdin) into Kafka
  run           run a command and ship its stdout and stderr:  logship run -- app args
  sink          index Kafka's events into Elasticsearch
  search        search the indexed logs
  validate      check a config file (exit 0, or 78 naming each bad key)
  test-output   check that Kafka and Elasticsearch are reachable and usable
  tap           print the events the agent would send, without sending them
  dlq           list or replay dead letters
  stack         up|down|status of the local Kafka + Elasticsearch used by tests and the demo
  demo          local stack + sink + agent tailing a demo app's log
  config-doc    print the configuration reference (Markdown)

Run 'logship <command> --help' for a command's options and examples.
Exit codes: 0 ok, 1 runtime failure, 2 usage, 69 service unavailable, 78 bad config.
`;

async function main(argv: string[]): Promise<number> {
  // lz4 and zstd for every Kafka client of the process (kafkajs ships only gzip): once, before any client exists.
  registerCodecs();
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(USAGE);
    return cmd ? EXIT.OK : EXIT.USAGE;
  }
  if (cmd === '--version' || cmd === 'version') {
    process.stdout.write('logship 0.1.0\n');
    return EXIT.OK;
  }
  const run = commands[cmd];
  if (!run) {
    process.stderr.write(`logship: unknown command "${cmd}"\n\n${USAGE}`);
    return EXIT.USAGE;
  }
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined && code >= 0) process.exitCode = code;
  },
  (err) => {
    const code = exitCodeFor(err);
    const label = err instanceof LogshipError ? err.code : 'error';
    process.stderr.write(`logship: ${errorMessage(err)}${label !== 'error' ? ` (${label})` : ''}\n`);
    process.exit(code);
  },
);
