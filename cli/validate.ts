// `logship validate FILE...`: each config checked against the schema, every problem with its key path.
import { loadConfig } from '../config/loader.js';
import { EXIT, LogshipError } from '../common/errors.js';
import { configFlags, help, parse } from './shared.js';

const HELP = `Usage: logship validate FILE [--set key=value]...

Checks a config file against the schema: unknown keys, bad values and unset \${VARS} are reported with their
key path. Exit 0 when valid, 78 when not.

Examples:
  logship validate /etc/logship/agent.yaml
  LOGSHIP_KAFKA_BROKERS=k:9092 logship validate sink.yaml
`;

export function validateCommand(argv: string[]): number {
  const { values, positionals } = parse(argv, { set: configFlags.set, print: { type: 'boolean' } });
  if (values.help) return help(HELP);
  if (positionals.length === 0) throw new LogshipError('LOGSHIP_ERR_USAGE', 'validate needs a FILE');
  let bad = 0;
  for (const file of positionals) {
    try {
      loadConfig({ file, env: process.env, sets: values.set });
      process.stdout.write(`${file}: ok\n`);
    } catch (err) {
      if (!(err instanceof LogshipError)) throw err;
      bad++;
      const problems = (err.details.problems as Array<{ path: string; reason: string }> | undefined) ?? [];
      if (problems.length === 0) process.stdout.write(`${file}: ${err.message}\n`);
      for (const p of problems) process.stdout.write(`${file}: ${p.path}: ${p.reason}\n`);
    }
  }
  return bad > 0 ? EXIT.CONFIG : EXIT.OK;
}
