// Flag parsing shared by the subcommands: node:util parseArgs with our usage errors.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LogshipError } from '../common/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;
const helpFlag = { help: { type: 'boolean', short: 'h' } } as const;

export function parse<O extends Options>(argv: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options: { ...options, ...helpFlag } as O & typeof helpFlag, allowPositionals, strict: true });
  } catch (err) {
    throw new LogshipError('LOGSHIP_ERR_USAGE', (err as Error).message);
  }
}

export const configFlags = {
  config: { type: 'string', short: 'c' },
  set: { type: 'string', multiple: true },
} as const;
