// stdin and wrapped commands (`logship agent --stdin`, `logship run -- cmd`).
import { LogshipError } from '../common/errors.js';

export async function stdinAgentCommand(_values: { config?: string; set?: string[]; source?: string }): Promise<number> {
  throw new LogshipError('LOGSHIP_ERR_USAGE', 'agent --stdin is not built yet (issue 3)');
}

export async function runCommand(_argv: string[]): Promise<number> {
  throw new LogshipError('LOGSHIP_ERR_USAGE', 'run is not built yet (issue 3)');
}
