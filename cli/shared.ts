// What every command shares: flags -> config, help, exit codes, and the lifecycle of a long-running command.
// Nothing here loads the agent, the sink or a Kafka client: `validate` and `config-doc` stay light.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, newLoadReport, secretsOf, type LoadReport } from '../config/loader.js';
import type { Config } from '../config/types.js';
import { createLogger, redactText, type Logger } from '../common/logger.js';
import { onShutdown } from '../common/signals.js';
import { EXIT, LogshipError, exitCodeFor } from '../common/errors.js';
import { fatalLine, noteSecrets } from './fatal-line.js';

/** The package root (stack/, bin/), from dist/cli/ or cli/. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

type Options = NonNullable<ParseArgsConfig['options']>;
const helpFlag = { help: { type: 'boolean', short: 'h' } } as const;

/** node:util parseArgs (strict, with -h/--help) whose mistakes are usage errors (exit 2). */
export function parse<O extends Options>(argv: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options: { ...options, ...helpFlag }, allowPositionals, strict: true });
  } catch (err) {
    throw new LogshipError('LOGSHIP_ERR_USAGE', (err as Error).message);
  }
}

export const configFlags = {
  config: { type: 'string', short: 'c' },
  set: { type: 'string', multiple: true },
} as const;

export interface ConfigValues {
  config?: string;
  set?: string[];
}

/**
 * The config of a command: its warnings go to stderr (redacted), its secrets to the process's last words
 * (fatal-line.ts); `report` also receives the variables its secrets were read from.
 */
export function loadFromFlags(values: ConfigValues, overrides: Array<[string, unknown]> = [], report = newLoadReport()): Config {
  const cfg = loadConfig({ file: values.config, env: process.env, sets: values.set, overrides, report });
  const secrets = secretsOf(cfg);
  noteSecrets(secrets);
  for (const w of report.warnings) process.stderr.write(redactText(`logship: warning: ${w}\n`, secrets));
  return cfg;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100) || 'stream';
}

/**
 * The config of a capture (stdin, `run`): its own state directory under agent.data_dir, so a daemon agent on the
 * same host is never disturbed and a restarted capture with the same source name ships what its spool still
 * holds; no metrics port (the daemon agent owns it) unless given one with --set; no files unless `keepFiles`.
 */
export function streamConfig(values: ConfigValues, kind: string, source: string, keepFiles = false, report?: LoadReport): Config {
  // Only for agent.data_dir; the load below says the warnings (once).
  const base = loadConfig({ file: values.config, env: process.env, sets: values.set });
  const overrides: Array<[string, unknown]> = [['agent.data_dir', path.join(base.agent.data_dir, `${kind}-${safeName(source)}`)]];
  if (!(values.set ?? []).some((s) => s.startsWith('agent.metrics_listen='))) overrides.push(['agent.metrics_listen', '']);
  if (!keepFiles) overrides.push(['agent.files.include', []], ['agent.sources', []]);
  return loadFromFlags(values, overrides, report);
}

/**
 * The agent module, with the Kafka client its config chose already loaded (kafka/producer-factory.ts: importing
 * @platformatic/kafka takes seconds on a loaded machine, which must not come out of a --stdin agent's grace).
 */
export async function loadAgent(cfg: Config): Promise<(typeof import('../agent/agent.js'))['createAgent']> {
  const [{ createAgent }, { preloadProducer }] = await Promise.all([import('../agent/agent.js'), import('../kafka/producer-factory.js')]);
  await preloadProducer(cfg.kafka.producer);
  return createAgent;
}

export function help(text: string): number {
  process.stdout.write(text);
  return EXIT.OK;
}

/** A command's return value that means "keep running; the signal handler exits". */
export const RUNNING = -1;

/**
 * For a daemon that hit an error retrying cannot fix (wrong credentials or CA): say why on stderr as main.ts does
 * for start-up errors, stop at once (acknowledged work is checkpointed or committed, the rest is redone on the next
 * start) and exit with the error's code (78 for these: service managers do not restart on it).
 */
export function exitOnFatal(secrets: string[], stop: () => Promise<void>) {
  let exiting = false;
  return (err: LogshipError) => {
    if (exiting) return;
    exiting = true;
    process.stderr.write(fatalLine(err, secrets));
    void stop()
      .catch(() => undefined)
      .finally(() => process.exit(exitCodeFor(err)));
  };
}

export interface Service {
  start(): Promise<void>;
  stop(graceMs?: number): Promise<void>;
}

export interface Daemon<S extends Service> {
  service: S;
  log: Logger;
  /** Stop gracefully and exit with `code` (a capture whose input ended); a signal meanwhile exits at once. */
  finish: (code: number) => Promise<never>;
}

export interface DaemonOptions<S extends Service> {
  cfg: Config;
  /** The logger's name: the command. */
  name: string;
  /** Level of logship's own logs, when not the configured one. */
  level?: string;
  /** Builds the service; `onFatal` stops it at once and exits with the error's code. */
  create(log: Logger, onFatal: (err: LogshipError) => void): S | Promise<S>;
  /** The graceful stop, when more than `service.stop()` (default). */
  stop?(service: S): Promise<void>;
  /**
   * 'stop' (default): the first SIGTERM/SIGINT stops the service gracefully and exits 0, a second exits 130 at
   * once. 'own': the command handles signals itself (`run` passes them to its child).
   */
  signals?: 'stop' | 'own';
}

/**
 * The lifecycle of every long-running command (agent, sink, stdin, run, demo, tap): a logger named after the
 * command with the config's secrets redacted, the service built with a fatal-error exit, signals that stop it
 * gracefully, then start.
 */
export async function startDaemon<S extends Service>(opts: DaemonOptions<S>): Promise<Daemon<S>> {
  const secrets = secretsOf(opts.cfg);
  const log = createLogger({ level: opts.level ?? opts.cfg.log_level, name: opts.name, secrets });
  // Assigned once, after the fatal handler that reads it is made (create may already report a fatal error).
  // eslint-disable-next-line prefer-const
  let service: S | undefined;
  const onFatal = exitOnFatal(secrets, async () => service?.stop(0));
  service = await opts.create(log, onFatal);
  const s = service;
  let stopping: Promise<void> | undefined;
  const stopOnce = () => (stopping ??= opts.stop ? opts.stop(s) : s.stop());
  if ((opts.signals ?? 'stop') === 'stop') {
    onShutdown(async (signal) => {
      // A capture already flushing after its input ended is told to stop by a signal: stop now.
      if (stopping) process.exit(130);
      log.info({ signal }, 'stopping');
      await stopOnce();
      return EXIT.OK;
    });
  }
  await s.start();
  return {
    service: s,
    log,
    async finish(code) {
      await stopOnce();
      process.exit(code);
    },
  };
}
