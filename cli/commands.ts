// Subcommands. Each parses its flags, loads config, and returns an exit code (long-running ones exit from the
// signal handler).
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createAgent } from '../agent/agent.js';
import { loadConfig, secretsOf } from '../config/loader.js';
import { configReference } from '../config/reference.js';
import type { Config } from '../config/types.js';
import { componentLogger, createLogger, redactText } from '../common/logger.js';
import { onShutdown } from '../common/signals.js';
import { EXIT, LogshipError, errorMessage, exitCodeFor } from '../common/errors.js';
import { parseDuration } from '../common/units.js';
import { sleep } from '../common/backoff.js';
import { configFlags, parse } from './args.js';
import { tapCommand } from './tap.js';
import { runCommand, stdinAgentCommand } from './capture.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function loadFromFlags(values: { config?: string; set?: string[] }, overrides: Array<[string, unknown]> = []): Config {
  return loadConfig({ file: values.config, env: process.env, sets: values.set, overrides });
}

/**
 * For a daemon that hit an error retrying cannot fix (wrong credentials or CA): say why on stderr as main.ts does
 * for start-up errors, stop at once (acknowledged work is checkpointed or committed, the rest is redone on the next
 * start) and exit with the error's code (78 for these: service managers do not restart on it).
 */
function exitOnFatal(secrets: string[], stop: () => Promise<void>) {
  let exiting = false;
  return (err: LogshipError) => {
    if (exiting) return;
    exiting = true;
    process.stderr.write(redactText(`logship: ${err.message} (${err.code})\n`, secrets));
    void stop()
      .catch(() => undefined)
      .finally(() => process.exit(exitCodeFor(err)));
  };
}

function help(text: string): number {
  process.stdout.write(text);
  return EXIT.OK;
}

const AGENT_HELP = `Usage: logship agent -c FILE [--set key=value]... [--file GLOB]... [--stdin --source NAME]

Tails the files matched by agent.files.include and produces each line to Kafka (key = host name, acks=-1).
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

async function agentCommand(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    { ...configFlags, file: { type: 'string', multiple: true }, stdin: { type: 'boolean' }, source: { type: 'string' } },
    false,
  );
  if (values.help) return help(AGENT_HELP);
  if (values.stdin) return stdinAgentCommand(values as { config?: string; set?: string[]; source?: string });
  const cfg = loadFromFlags(values, values.file ? [['agent.files.include', [...values.file]]] : []);
  if (cfg.agent.files.include.length === 0)
    throw new LogshipError('LOGSHIP_ERR_USAGE', 'nothing to tail: set agent.files.include in the config, pass --file GLOB, or use --stdin');
  const log = createLogger({ level: cfg.log_level, name: 'agent', secrets: secretsOf(cfg) });
  const agent = createAgent(cfg, { log, onFatal: exitOnFatal(secretsOf(cfg), () => agent.stop(0)) });
  onShutdown(async (signal) => {
    log.info({ signal }, 'stopping');
    await agent.stop();
    return EXIT.OK;
  });
  await agent.start();
  return -1;
}

const SINK_HELP = `Usage: logship sink -c FILE [--set key=value]...

Consumes the Kafka topic in a consumer group and bulk-indexes the events into daily indices
<prefix>-YYYY.MM.DD with op 'create' and _id = event id. Commits offsets only past records that are
indexed, duplicates (409) or dead-lettered.

Examples:
  logship sink -c /etc/logship/sink.yaml
  logship sink --set elasticsearch.url=http://es:9200 --set kafka.brokers=kafka:9092
`;

async function sinkCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, configFlags, false);
  if (values.help) return help(SINK_HELP);
  const cfg = loadFromFlags(values);
  const log = createLogger({ level: cfg.log_level, name: 'sink', secrets: secretsOf(cfg) });
  const { createSink } = await import('../sink/sink.js');
  const sink = createSink(cfg, { log, onFatal: exitOnFatal(secretsOf(cfg), () => sink.stop(0)) });
  onShutdown(async (signal) => {
    log.info({ signal }, 'stopping');
    await sink.stop();
    return EXIT.OK;
  });
  await sink.start();
  return -1;
}

const SEARCH_HELP = `Usage: logship search [QUERY] [--host H] [--source S] [--level L] [--since 15m] [--until 0m]
                      [--limit N] [--json] [--follow] [-c FILE]

Prints matching lines, oldest first, as: time host source message.
QUERY uses Elasticsearch's simple query syntax on the message ("a b" = both, a|b, -a, "exact phrase").

Examples:
  logship search timeout --since 1h
  logship search --host web-1 --level error --limit 50
  logship search 'GET /api' --follow
  logship search --json | jq .message
`;

async function searchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...configFlags,
    host: { type: 'string' },
    source: { type: 'string' },
    level: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
    follow: { type: 'boolean', short: 'f' },
  });
  if (values.help) return help(SEARCH_HELP);
  const cfg = loadFromFlags(values);
  const sinceMs = values.since !== undefined ? parseDuration(values.since) : 15 * 60_000;
  if (sinceMs === undefined) throw new LogshipError('LOGSHIP_ERR_USAGE', `--since: "${values.since}" is not a duration (try 15m, 2h, 1d)`);
  const untilMs = values.until !== undefined ? parseDuration(values.until) : undefined;
  if (values.until !== undefined && untilMs === undefined)
    throw new LogshipError('LOGSHIP_ERR_USAGE', `--until: "${values.until}" is not a duration`);
  const limit = values.limit !== undefined ? Number(values.limit) : 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 10000)
    throw new LogshipError('LOGSHIP_ERR_USAGE', '--limit must be an integer from 1 to 10000');
  const { createEs } = await import('../sink/es-client.js');
  const { formatHit, searchBody } = await import('../sink/search.js');
  const es = createEs(cfg);
  const index = `${cfg.elasticsearch.index_prefix}-*`;
  const opts = {
    query: positionals.join(' ') || undefined,
    host: values.host,
    source: values.source,
    level: values.level,
    sinceMs,
    untilMs,
    limit,
  };
  const print = (src: Record<string, unknown>) => process.stdout.write((values.json ? JSON.stringify(src) : formatHit(src)) + '\n');
  try {
    const r = await es.search(index, searchBody(opts, Date.now()));
    const hits = r.hits.reverse();
    for (const h of hits) print(h._source);
    if (!values.follow) return hits.length > 0 ? EXIT.OK : EXIT.OK;
    let after: unknown[] = hits.length > 0 ? (hits[hits.length - 1].sort ?? []) : [];
    let stop = false;
    process.on('SIGINT', () => (stop = true));
    process.on('SIGTERM', () => (stop = true));
    while (!stop) {
      await sleep(1000);
      const f = await es.search(index, searchBody({ ...opts, after, limit: 1000 }, Date.now()));
      for (const h of f.hits) print(h._source);
      if (f.hits.length > 0) after = f.hits[f.hits.length - 1].sort ?? after;
    }
    return EXIT.OK;
  } finally {
    await es.close();
  }
}

const VALIDATE_HELP = `Usage: logship validate FILE [--set key=value]...

Checks a config file against the schema: unknown keys, bad values and unset \${VARS} are reported with their
key path. Exit 0 when valid, 78 when not.

Examples:
  logship validate /etc/logship/agent.yaml
  LOGSHIP_KAFKA_BROKERS=k:9092 logship validate sink.yaml
`;

async function validateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { set: configFlags.set, print: { type: 'boolean' } });
  if (values.help) return help(VALIDATE_HELP);
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

const STACK_HELP = `Usage: logship stack up|down|status|reset|env|up-secure-es|down-secure-es

Runs a single-node Kafka (KRaft) and a single-node Elasticsearch on 127.0.0.1, fetched from Maven Central
with mvn (cached). Used by the tests, the benchmarks and the demo. Needs a JDK (17+), mvn, curl, unzip and
openssl. Kafka also listens with SSL (port +10), SASL_PLAINTEXT (+11) and SASL_SSL (+12); up-secure-es starts
a second Elasticsearch with security and HTTPS (port +1). env prints the addresses, CA file and credentials.
Environment: LOGSHIP_STACK_DIR, LOGSHIP_KAFKA_PORT (9092), LOGSHIP_ES_PORT (9200), LOGSHIP_KAFKA_SSL_PORT,
LOGSHIP_KAFKA_SASL_PLAINTEXT_PORT, LOGSHIP_KAFKA_SASL_SSL_PORT, LOGSHIP_ES_SECURE_PORT.
`;

function stackCommand(argv: string[]): number {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') return help(STACK_HELP);
  const r = spawnSync('bash', [path.join(ROOT, 'stack/stack.sh'), ...argv], { stdio: 'inherit' });
  return r.status ?? EXIT.FAILURE;
}

const DEMO_HELP = `Usage: logship demo [--dir DIR]

Brings up the local stack, starts a sink and an agent in this process, and a small demo app that writes
its log to DIR/app.log (plain and JSON lines). Prints the search command to try. Ctrl-C stops it.
`;

async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { dir: { type: 'string' } }, false);
  if (values.help) return help(DEMO_HELP);
  const dir = path.resolve(values.dir ?? 'demo-data');
  if (stackCommand(['up']) !== 0) return EXIT.UNAVAILABLE;
  fs.mkdirSync(dir, { recursive: true });
  const cfg = loadConfig({
    env: process.env,
    overrides: [
      ['agent.files.include', [`${dir}/*.log`]],
      ['agent.data_dir', path.join(dir, 'agent-state')],
    ],
  });
  const log = createLogger({ level: cfg.log_level, name: 'demo' });
  const { createSink } = await import('../sink/sink.js');
  const sink = createSink(cfg, { log: componentLogger(log, 'sink') });
  const agent = createAgent(cfg, { log: componentLogger(log, 'agent') });
  const app = startDemoApp(path.join(dir, 'app.log'));
  onShutdown(async () => {
    clearInterval(app);
    await agent.stop();
    await sink.stop();
    return EXIT.OK;
  });
  await sink.start();
  await agent.start();
  process.stderr.write(
    `\nlogship demo is running: the demo app writes ${path.join(dir, 'app.log')}, the agent ships it to Kafka,\n` +
      `the sink indexes it into Elasticsearch. In another terminal, try:\n\n` +
      `  node bin/logship.js search orders --since 5m\n  node bin/logship.js search --level error --follow\n\n` +
      `Metrics: http://${agent.metricsAddress ?? '-'}/metrics (agent), http://${sink.metricsAddress ?? '-'}/metrics (sink). Ctrl-C stops.\n\n`,
  );
  return -1;
}

function startDemoApp(file: string): NodeJS.Timeout {
  const paths = ['/api/orders', '/api/orders/42', '/api/users', '/health', '/api/cart'];
  let n = 0;
  return setInterval(() => {
    n++;
    const p = paths[n % paths.length];
    const status = n % 17 === 0 ? 500 : n % 7 === 0 ? 404 : 200;
    const line =
      n % 3 === 0
        ? JSON.stringify({
            level: status >= 500 ? 50 : 30,
            time: Date.now(),
            pid: process.pid,
            hostname: os.hostname(),
            msg: `GET ${p} ${status}`,
            req_id: n,
            ms: n % 50,
          })
        : `${new Date().toISOString()} ${status >= 500 ? 'ERROR' : 'INFO'} GET ${p} ${status} ${n % 50}ms req=${n}`;
    fs.appendFileSync(file, line + '\n');
  }, 300);
}

async function configDocCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {}, false);
  if (values.help)
    return help('Usage: logship config-doc\n\nPrints the configuration reference, generated from the schema, as Markdown.\n');
  process.stdout.write(configReference());
  return EXIT.OK;
}

// The sink side (the Elasticsearch client above all) is imported by the commands that use it, not at start-up:
// an agent process that loaded it measured ~16 MB more resident memory idle, and ~0.5 s more CPU to start.
export const commands: Record<string, (argv: string[]) => Promise<number> | number> = {
  agent: agentCommand,
  sink: sinkCommand,
  search: searchCommand,
  validate: validateCommand,
  stack: stackCommand,
  demo: demoCommand,
  'config-doc': configDocCommand,
  dlq: async (argv) => (await import('./dlq.js')).dlqCommand(argv),
  'test-output': async (argv) => (await import('./test-output.js')).testOutputCommand(argv),
  tap: tapCommand,
  run: runCommand,
};

export { errorMessage };
