// `logship run -- cmd args`: runs a command and ships its stdout and stderr as two streams, its exit as an event,
// and exits with its code. Signals sent to logship are the command's: they are passed on, not obeyed.
import path from 'node:path';
import { spawn } from 'node:child_process';
import { LogshipError } from '../common/errors.js';
import { newLoadReport } from '../config/loader.js';
import { childEnvironment, commandLineFor } from './child-env.js';
import { configFlags, help, parse, startDaemon, streamConfig, loadAgent } from './shared.js';

const HELP = `Usage: logship run [--source NAME] [-c FILE] [--set key=value]... [--quiet] -- COMMAND [ARGS...]

Runs COMMAND and ships its stdout and stderr as two streams (NAME/stdout, NAME/stderr) through an on-disk
spool; a line leaves the spool only when Kafka acknowledged it. The command's exit is recorded as an event,
signals sent to logship are passed to the command, and logship exits with the command's exit code (128+N for
signal N). The command's output is also copied to logship's own stdout/stderr unless --quiet.

The command gets logship's environment without the LOGSHIP_* variables and without the variables a secret
in the config reads (\${KAFKA_PW} in kafka.sasl.password). Its exit event carries process.command_line as
run.command_line says: name (default: the command without its arguments, which can hold a password), full
(the whole argv), or off (empty).

Examples:
  logship run -- ./my-app --port 8080
  logship run --source billing -c /etc/logship/agent.yaml -- java -jar billing.jar
`;

const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
const SIGNUM: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGUSR1: 10, SIGUSR2: 12, SIGTERM: 15 };

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...configFlags, source: { type: 'string' }, quiet: { type: 'boolean' } });
  if (values.help) return help(HELP);
  if (positionals.length === 0) throw new LogshipError('LOGSHIP_ERR_USAGE', 'run needs a command: logship run -- COMMAND [ARGS...]');
  const [cmd, ...args] = positionals;
  const source = values.source ?? path.basename(cmd);
  const report = newLoadReport();
  const cfg = streamConfig(values, 'run', source, false, report);
  const createAgent = await loadAgent(cfg);
  // No onFatal: the wrapped command's life is not ours to end; the agent logs and keeps retrying.
  const {
    service: agent,
    log,
    finish,
  } = await startDaemon({
    cfg,
    name: 'run',
    signals: 'own',
    create: (log) => createAgent(cfg, { log }),
  });
  const out = agent.addStream(`${source}/stdout`, 'command');
  const err = agent.addStream(`${source}/stderr`, 'command');
  const child = spawn(cmd, args, { stdio: ['inherit', 'pipe', 'pipe'], env: childEnvironment(process.env, report.secretEnv) });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  if (!values.quiet) {
    child.stdout.on('data', (d: Buffer) => process.stdout.write(d));
    child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
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
  out.recordExit(first.code, first.signal, commandLineFor(cfg.run.command_line, cmd, args));
  log.info({ code: first.code, signal: first.signal }, 'command exited; waiting for Kafka to acknowledge its output');
  return finish(first.signal ? 128 + (SIGNUM[first.signal] ?? 1) : (first.code ?? 1));
}
