// stdin and wrapped commands: `app | logship agent --stdin --source NAME` and `logship run -- cmd args`.
// Each stream gets its own state directory under agent.data_dir, so a daemon agent on the same host is never
// disturbed, and a restarted capture with the same source name ships what its spool still holds.
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createAgent } from '../agent/agent.js';
import { secretsOf } from '../config/loader.js';
import { EXIT, LogshipError } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { configFlags, parse } from './args.js';
import { loadFromFlags } from './commands.js';
import type { Config } from '../config/types.js';

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100) || 'stream';
}

function streamConfig(values: { config?: string; set?: string[] }, kind: string, source: string, keepFiles: boolean): Config {
  const base = loadFromFlags(values);
  const overrides: Array<[string, unknown]> = [['agent.data_dir', path.join(base.agent.data_dir, `${kind}-${safeName(source)}`)]];
  // The daemon agent owns the metrics port unless this capture is given one with --set.
  if (!(values.set ?? []).some((s) => s.startsWith('agent.metrics_listen='))) overrides.push(['agent.metrics_listen', '']);
  if (!keepFiles) overrides.push(['agent.files.include', []]);
  return loadFromFlags(values, overrides);
}

export async function stdinAgentCommand(values: { config?: string; set?: string[]; source?: string }): Promise<number> {
  const source = values.source ?? 'stdin';
  // stdin mode ships stdin only (files belong to the daemon agent) and exits when the pipe closes.
  const cfg = streamConfig(values, 'stdin', source, false);
  const log = createLogger({ level: cfg.log_level, name: 'agent', secrets: secretsOf(cfg) });
  const agent = createAgent(cfg, { log });
  await agent.start();
  const stream = agent.addStream(source, 'stdin');
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) process.exit(130);
    stopping = true;
    await agent.stop();
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop(EXIT.OK));
  process.on('SIGINT', () => void stop(EXIT.OK));
  await stream.attach(process.stdin);
  log.info({ source }, 'stdin ended; waiting for Kafka to acknowledge every line');
  await stop(EXIT.OK);
  return EXIT.OK;
}

const RUN_HELP = `Usage: logship run [--source NAME] [-c FILE] [--set key=value]... [--quiet] -- COMMAND [ARGS...]

Runs COMMAND and ships its stdout and stderr as two streams (NAME/stdout, NAME/stderr) through an on-disk
spool; a line leaves the spool only when Kafka acknowledged it. The command's exit is recorded as an event,
signals sent to logship are passed to the command, and logship exits with the command's exit code (128+N for
signal N). The command's output is also copied to logship's own stdout/stderr unless --quiet.

Examples:
  logship run -- ./my-app --port 8080
  logship run --source billing -c /etc/logship/agent.yaml -- java -jar billing.jar
`;

const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
const SIGNUM: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGUSR1: 10, SIGUSR2: 12, SIGTERM: 15 };

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...configFlags, source: { type: 'string' }, quiet: { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(RUN_HELP);
    return EXIT.OK;
  }
  if (positionals.length === 0) throw new LogshipError('LOGSHIP_ERR_USAGE', 'run needs a command: logship run -- COMMAND [ARGS...]');
  const [cmd, ...args] = positionals;
  const source = values.source ?? path.basename(cmd);
  const cfg = streamConfig(values, 'run', source, false);
  const log = createLogger({ level: cfg.log_level, name: 'run', secrets: secretsOf(cfg) });
  const agent = createAgent(cfg, { log });
  await agent.start();
  const out = agent.addStream(`${source}/stdout`, 'command');
  const err = agent.addStream(`${source}/stderr`, 'command');
  const child = spawn(cmd, args, { stdio: ['inherit', 'pipe', 'pipe'] });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  if (!values.quiet) {
    child.stdout.on('data', (d) => process.stdout.write(d));
    child.stderr.on('data', (d) => process.stderr.write(d));
  }
  let childDone = false;
  for (const sig of FORWARDED) {
    process.on(sig, () => {
      if (childDone) process.exit(130); // a signal while flushing after the command ended: stop now
      child.kill(sig);
    });
  }
  const outEnded = out.attach(child.stdout);
  const errEnded = err.attach(child.stderr);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const first = await Promise.race([exit, spawnError]);
  if (first instanceof Error) {
    await agent.stop();
    throw new LogshipError('LOGSHIP_ERR_USAGE', `cannot run ${cmd}: ${first.message}`);
  }
  await Promise.all([outEnded, errEnded]);
  childDone = true;
  out.recordExit(first.code, first.signal, [cmd, ...args].join(' '));
  log.info({ code: first.code, signal: first.signal }, 'command exited; waiting for Kafka to acknowledge its output');
  await agent.stop();
  const code = first.signal ? 128 + (SIGNUM[first.signal] ?? 1) : (first.code ?? 1);
  process.exit(code);
}
