// `logship validate FILE...`: each config checked against the schema, every problem with its key path.
import { loadConfig, newLoadReport, secretsOf } from '../config/loader.js';
import { EXIT, LogshipError } from '../common/errors.js';
import { redactText } from '../common/redact.js';
import { configFlags, help, parse } from './shared.js';

const HELP = `Usage: logship validate FILE [--set key=value]...

Checks a config file against the schema: unknown keys, bad values and unset \${VARS} are reported with their
key path. Exit 0 when valid, 78 when not. A warning (a secret file others can read) does not fail it.
No secret is printed: the loader redacts its reasons, and this output has URL passwords redacted too.

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
    let secrets: string[] = [];
    const say = (text: string) => process.stdout.write(redactText(`${file}: ${text}\n`, secrets));
    try {
      const report = newLoadReport();
      secrets = secretsOf(loadConfig({ file, env: process.env, sets: values.set, report }));
      for (const w of report.warnings) say(`warning: ${w}`);
      say('ok');
    } catch (err) {
      if (!(err instanceof LogshipError)) throw err;
      bad++;
      const problems = (err.details.problems as Array<{ path: string; reason: string }> | undefined) ?? [];
      if (problems.length === 0) say(err.message);
      for (const p of problems) say(`${p.path}: ${p.reason}`);
    }
  }
  return bad > 0 ? EXIT.CONFIG : EXIT.OK;
}
