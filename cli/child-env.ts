// What `logship run` hands its command: the environment without our secrets, and what its exit event says the
// command was. Pure, so the rules are unit-tested; run.ts only applies them.
import type { Config } from '../config/types.js';

/**
 * Our environment minus every LOGSHIP_* variable (our config, LOGSHIP_KAFKA_SASL_PASSWORD and friends among
 * them) and every variable a secret value of the config read through ${VAR} (`password: ${KAFKA_PW}`). The
 * command's output is shipped: a child that prints its environment must not ship our credentials.
 */
export function childEnvironment(env: NodeJS.ProcessEnv, secretEnv: ReadonlySet<string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!k.toUpperCase().startsWith('LOGSHIP_') && !secretEnv.has(k)) out[k] = v;
  return out;
}

/** process.command_line of the exit event, per run.command_line: argv can carry a password, so `name` by default. */
export function commandLineFor(mode: Config['run']['command_line'], cmd: string, args: readonly string[]): string {
  if (mode === 'full') return [cmd, ...args].join(' ');
  if (mode === 'name') return cmd;
  return '';
}
