// Every way logship prints text that may hold a secret, each with the secret in a form that leaked before:
// main.ts's last line on stderr, `validate`'s report, /readyz's reasons. (Log lines: logger.test.ts;
// test-output: test-output.test.ts.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LogshipError } from '../../common/errors.js';
import { startHealthServer } from '../../common/health-server.js';
import { fatalLine } from '../../cli/fatal-line.js';
import { loadFromFlags } from '../../cli/shared.js';
import { validateCommand } from '../../cli/validate.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'logship-redaction-'));

function stdoutOf(fn: () => unknown): string {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    fn();
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe("main.ts's stderr line", () => {
  it('redacts URL passwords, and the secrets given, in every form', () => {
    const err = new LogshipError('LOGSHIP_ERR_ES_UNAVAILABLE', 'Elasticsearch at http://elastic:p%40ss@es:9200: refused, token t0k"en');
    expect(fatalLine(err, ['t0k"en'])).toBe(
      'logship: Elasticsearch at http://elastic:[redacted]@es:9200: refused, token [redacted] (LOGSHIP_ERR_ES_UNAVAILABLE)\n',
    );
    expect(fatalLine(new Error('plain'), [])).toBe('logship: plain\n');
  });

  it("knows the secrets of the configs the process loaded (main.ts passes none: they are the loads')", () => {
    const file = path.join(tmp, 'loaded.yaml');
    fs.writeFileSync(file, 'elasticsearch:\n  username: elastic\n  password: "loaded-Secret-1"\n');
    loadFromFlags({ config: file });
    expect(fatalLine(new Error('rejected loaded-Secret-1 as loaded%2DSecret%2D1?'))).toBe(
      'logship: rejected [redacted] as loaded%2DSecret%2D1?\n',
    );
    expect(fatalLine(new Error('loaded-Secret-1'))).not.toContain('loaded-Secret-1');
  });
});

describe('validate', () => {
  afterEach(() => vi.restoreAllMocks());

  it('does not echo the password of a malformed URL', () => {
    const file = path.join(tmp, 'bad-url.yaml');
    fs.writeFileSync(file, 'elasticsearch:\n  url: "htp:/elastic:S3cret-pw@es:9200"\n');
    let code = 0;
    const out = stdoutOf(() => (code = validateCommand([file])));
    expect(code).toBe(78);
    expect(out).toBe(`${file}: elasticsearch.url: "htp:/[redacted]@es:9200" is not an http(s) URL\n`);
  });

  it('does not echo a configured secret that a problem quotes, nor a URL password in any other reason', () => {
    const file = path.join(tmp, 'quoted.yaml');
    // The password pasted into the broker list by mistake, and a URL with credentials where host:port belongs.
    fs.writeFileSync(file, 'kafka:\n  brokers: ["pa$$w0rd-x", "http://u:pw2@k:9092"]\n  sasl:\n    password: pa$$w0rd-x\n');
    const out = stdoutOf(() => validateCommand([file]));
    expect(out).toContain('kafka.brokers: "[redacted]" is not host:port');
    expect(out).toContain('kafka.brokers: "http://u:[redacted]@k:9092" is not host:port');
    expect(out).not.toMatch(/pa\$w0rd|pw2/);
  });
});

describe('/readyz', () => {
  it('redacts URL passwords and the configured secrets from its reasons', async () => {
    const reasons = ['elasticsearch: GET http://elastic:hunter2@es:9200/_bulk refused', 'kafka: SASL password "k-Secret\\"9" refused'];
    const h = await startHealthServer('127.0.0.1:0', new Registry(), () => ({ ready: false, reasons }), { secrets: ['k-Secret"9'] });
    try {
      const r = await fetch(`http://${h.address}/readyz`);
      expect(r.status).toBe(503);
      const text = await r.text();
      expect(text).not.toMatch(/hunter2|k-Secret/);
      expect(JSON.parse(text)).toEqual({
        status: 'not_ready',
        reasons: ['elasticsearch: GET http://elastic:[redacted]@es:9200/_bulk refused', 'kafka: SASL password "[redacted]" refused'],
      });
    } finally {
      await h.close();
    }
  });
});
