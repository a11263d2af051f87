// `app | logship agent --stdin --source NAME`: ships a pipe's lines through an on-disk spool and exits when the
// pipe closed and Kafka acknowledged every line. Files belong to the daemon agent: this ships stdin only.
import { EXIT } from '../common/errors.js';
import { startDaemon, streamConfig, type ConfigValues, loadAgent } from './shared.js';

export async function stdinCommand(values: ConfigValues & { source?: string }): Promise<number> {
  const source = values.source ?? 'stdin';
  const cfg = streamConfig(values, 'stdin', source);
  const createAgent = await loadAgent(cfg);
  // No onFatal: the process writing into the pipe is not ours to break; the agent logs and keeps retrying.
  const { service: agent, log, finish } = await startDaemon({ cfg, name: 'agent', create: (log) => createAgent(cfg, { log }) });
  const stream = agent.addStream(source, 'stdin');
  await stream.attach(process.stdin);
  log.info({ source }, 'stdin ended; waiting for Kafka to acknowledge every line');
  return finish(EXIT.OK);
}
