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

  // Each of these leaked before: the log filter looked for the decoded secret only, and for 4 characters or more.
  async function logged(secrets: string[], fields: Record<string, unknown>, msg: string) {
    const out = capture();
    createLogger({ name: 'sink', secrets, destination: out.dest }).warn(fields, msg);
    await new Promise((r) => setImmediate(r));
    return out.lines()[0];
  }

  it('redacts the password of any URL with user info, configured or not', async () => {
    const line = await logged([], { es: 'http://elastic:p%40ssw0rd@es:9200/x' }, 'GET https://bob:hunter2@proxy:3128 failed');
    expect(line).not.toMatch(/p%40ssw0rd|hunter2/);
    expect(JSON.parse(line)).toMatchObject({
      es: 'http://elastic:[redacted]@es:9200/x',
      msg: 'GET https://bob:[redacted]@proxy:3128 failed',
    });
  });

  it('redacts a secret percent-encoded, as a URL or encodeURIComponent writes it', async () => {
    const line = await logged(['p@ss/wörd'], { q: 'pw=p%40ss%2Fw%C3%B6rd', lower: 'p%40ss%2fw%c3%b6rd' }, 'x');
    expect(JSON.parse(line)).toMatchObject({ q: 'pw=[redacted]', lower: '[redacted]' });
  });

  it('redacts a secret with " or \\ in it, which a JSON log line escapes', async () => {
    const secret = 'pa"ss\\wd';
    const line = await logged([secret], { pw: secret, nested: JSON.stringify({ pw: secret }) }, `login ${secret} refused`);
    expect(line).not.toContain('ss\\\\wd');
    expect(JSON.parse(line)).toMatchObject({ pw: '[redacted]', nested: '{"pw":"[redacted]"}', msg: 'login [redacted] refused' });
  });

  it('redacts a short secret where it stands alone as a value, and leaves the same letters in free text', async () => {
    const line = await logged(['ab1'], { pw: 'ab1', q: 'user=x&password=ab1&y=2' }, 'cab1e password=ab1');
    expect(JSON.parse(line)).toMatchObject({ pw: '[redacted]', q: 'user=x&password=[redacted]&y=2', msg: 'cab1e password=[redacted]' });
  });
});
