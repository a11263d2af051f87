// kafkajs' own log lines, through our logger. One level lower than kafkajs says: it is loud about what we retry.
import './kafkajs-preload.js';
import { logLevel } from 'kafkajs';
import type { Logger } from '../common/logger.js';

export function kafkaLogCreator(log: Logger) {
  return () =>
    ({ level, log: entry }: { namespace: string; level: number; label: string; log: { message: string } & Record<string, unknown> }) => {
      const { message, timestamp: _t, logger: _l, ...rest } = entry;
      const fields = { component: 'kafkajs', ...rest };
      // kafkajs passes its logLevel enum's numbers; compared as numbers.
      if (level === (logLevel.ERROR as number)) log.warn(fields, message);
      else if (level === (logLevel.WARN as number)) log.info(fields, message);
      else log.debug(fields, message);
    };
}
