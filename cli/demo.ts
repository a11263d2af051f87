// `logship demo`: the local stack, a sink and an agent in this process, and a demo app writing a log to tail.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/loader.js';
import { EXIT } from '../common/errors.js';
import { componentLogger } from '../common/logger.js';
import { RUNNING, help, parse, startDaemon, loadAgent } from './shared.js';
import { stackCommand } from './stack.js';
import { demoExplorer } from './demo-ui.js';

const HELP = `Usage: logship demo [--dir DIR] [--ui-listen 127.0.0.1:5601]

Brings up the local stack, starts a sink, an agent and the web explorer (logship ui) in this process, and a
small demo app that writes its log to DIR/app.log (plain and JSON lines). Prints the explorer's URL and the
search command to try. Ctrl-C stops it.
`;

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { dir: { type: 'string' }, 'ui-listen': { type: 'string' } }, false);
  if (values.help) return help(HELP);
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
  const { createSink } = await import('../sink/sink.js');
  const createAgent = await loadAgent(cfg);
  const ui = await demoExplorer(cfg, values['ui-listen'] ?? '127.0.0.1:5601');
  const { service: demo } = await startDaemon({
    cfg,
    name: 'demo',
    create(log) {
      const sink = createSink(cfg, { log: componentLogger(log, 'sink') });
      const agent = createAgent(cfg, { log: componentLogger(log, 'agent') });
      const app = startDemoApp(path.join(dir, 'app.log'));
      return {
        sink,
        agent,
        async start() {
          await sink.start();
          await agent.start();
          await ui.start(componentLogger(log, 'ui'));
        },
        async stop() {
          clearInterval(app);
          await ui.stop();
          await agent.stop();
          await sink.stop();
        },
      };
    },
  });
  process.stderr.write(
    `\nlogship demo is running: the demo app writes ${path.join(dir, 'app.log')}, the agent ships it to Kafka,\n` +
      `the sink indexes it into Elasticsearch.\n\nExplore it in a browser: ${ui.url()}\n\nIn another terminal, try:\n\n` +
      `  node bin/logship.js search orders --since 5m\n  node bin/logship.js search --level error --follow\n\n` +
      `Metrics: http://${demo.agent.metricsAddress ?? '-'}/metrics (agent), http://${demo.sink.metricsAddress ?? '-'}/metrics (sink). Ctrl-C stops.\n\n`,
  );
  return RUNNING;
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
