// `logship tap`: the events the agent would send, printed as JSON lines instead of produced. Uses a throwaway
// state directory so the real checkpoints are never touched.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Producer } from '../kafka/producer.js';
import { LogshipError } from '../common/errors.js';
import { RUNNING, configFlags, help, loadFromFlags, parse, startDaemon } from './shared.js';

const HELP = `Usage: logship tap -c FILE [--file GLOB]... [--set key=value]...

Reads the configured files as the agent would (from the beginning, whatever read_from says, unless --set
agent.read_from=end) and prints each event as a JSON line on stdout. Nothing is sent, no checkpoint is written.

Example:
  logship tap --file './logs/*.log' | head
`;

export async function tapCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { ...configFlags, file: { type: 'string', multiple: true } }, false);
  if (values.help) return help(HELP);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'logship-tap-'));
  const overrides: Array<[string, unknown]> = [
    ['agent.data_dir', tmp],
    ['agent.metrics_listen', ''],
  ];
  // --file GLOB taps those files as the implicit source `files`, instead of the config's sources.
  if (values.file) overrides.push(['agent.files.include', [...values.file]], ['agent.sources', []]);
  const cfg = loadFromFlags(values, overrides);
  if (cfg.agent.files.include.length === 0 && cfg.agent.sources.length === 0)
    throw new LogshipError('LOGSHIP_ERR_USAGE', 'nothing to tap: set agent.sources (or agent.files.include) or pass --file GLOB');
  const stdoutProducer: Producer = {
    async connect() {},
    async send(_topic, messages) {
      let out = '';
      for (const m of messages) out += m.value.toString('utf8') + '\n';
      if (!process.stdout.write(out)) await new Promise((r) => process.stdout.once('drain', r));
    },
    async disconnect() {},
  };
  const { createAgent } = await import('../agent/agent.js');
  await startDaemon({
    cfg,
    name: 'tap',
    level: cfg.log_level === 'info' ? 'warn' : cfg.log_level,
    create: (log) => createAgent(cfg, { log, createProducer: () => stdoutProducer }),
    async stop(agent) {
      await agent.stop(1000);
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  });
  return RUNNING;
}
