// Our own log lines: one JSON object per line, each key once, secrets redacted.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { componentLogger, createLogger } from '../../common/logger.js';

function capture() {
  const dest = new PassThrough();
  const chunks: string[] = [];
  dest.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  return { dest, lines: () => chunks.join('').trim().split('\n') };
}

describe('logger', () => {
  it('a component logger writes name and component once each', async () => {
    const out = capture();
    const log = createLogger({ name: 'demo', destination: out.dest });
    componentLogger(log, 'sink').info({ n: 1 }, 'hello');
    log.flush();
    await new Promise((r) => setImmediate(r));
    const [line] = out.lines();
    expect(line.match(/"name":/g)).toHaveLength(1);
    expect(line.match(/"component":/g)).toHaveLength(1);
    expect(JSON.parse(line)).toMatchObject({ name: 'demo', component: 'sink', n: 1, msg: 'hello', level: 30 });
  });

  it('redacts the configured secrets', async () => {
    const out = capture();
    const log = createLogger({ name: 'sink', secrets: ['hunter22'], destination: out.dest });
    log.warn({ url: 'https://u:hunter22@es:9200' }, 'login hunter22 refused');
    await new Promise((r) => setImmediate(r));
    expect(out.lines()[0]).not.toContain('hunter22');
    expect(JSON.parse(out.lines()[0])).toMatchObject({ url: 'https://u:[redacted]@es:9200', msg: 'login [redacted] refused' });
  });
});
