// The `logship` process: argv -> command -> exit code (a long-running command exits from its signal handler).
import { EXIT, exitCodeFor } from '../common/errors.js';
import { registerCodecs } from '../kafka/codecs.js';
import { USAGE, commands } from './commands.js';
import { fatalLine } from './fatal-line.js';

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
    process.stderr.write(fatalLine(err));
    process.exit(exitCodeFor(err));
  },
);
