// `logship config-doc`: the configuration reference, generated from the schema (README and docs/CONFIG.md).
import { configReference } from '../config/reference.js';
import { EXIT } from '../common/errors.js';
import { help, parse } from './shared.js';

export function configDocCommand(argv: string[]): number {
  const { values } = parse(argv, {}, false);
  if (values.help)
    return help('Usage: logship config-doc\n\nPrints the configuration reference, generated from the schema, as Markdown.\n');
  process.stdout.write(configReference());
  return EXIT.OK;
}
