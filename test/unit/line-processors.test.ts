// A source's processors: include/exclude lines, redaction (passwords in URLs, bearer tokens, card numbers), and a
// pathological pattern that cannot stall the agent.
import { describe, expect, it } from 'vitest';
import { createLineProcessors } from '../../agent/pipeline/line-processors.js';

const spec = (o: Partial<Parameters<typeof createLineProcessors>[0]>) =>
  createLineProcessors({ include_lines: [], exclude_lines: [], redact: [], redact_mask: '***', ...o });

describe('line processors', () => {
  it('include_lines keeps only matching lines, then exclude_lines drops matching ones', () => {
    const p = spec({ include_lines: ['ERROR|WARN'], exclude_lines: ['healthz'] });
    expect(p.apply('WARN slow')).toEqual({ keep: true, text: 'WARN slow', redacted: 0 });
    expect(p.apply('INFO ok')).toEqual({ keep: false });
    expect(p.apply('ERROR GET /healthz')).toEqual({ keep: false });
    expect(spec({}).active).toBe(false);
  });

  it('redacts passwords in URLs, bearer tokens and card numbers, counting each', () => {
    const p = spec({
      redact: [
        '://[^:/@\\s]+:(?<secret>[^@\\s]+)@',
        'Bearer (?<secret>[A-Za-z0-9._~+/-]+=*)',
        '\\b\\d{4}[ -]?\\d{4}[ -]?\\d{4}[ -]?\\d{4}\\b',
      ],
    });
    const r = p.apply('GET https://bob:hunter2@db.example/x auth="Bearer eyJhbGc.eyJzdWIi.sig" card 4111 1111 1111 1111 ok');
    expect(r).toEqual({ keep: true, text: 'GET https://bob:***@db.example/x auth="Bearer ***" card *** ok', redacted: 3 });
  });

  it('(a+)+$ on 50,000 a and a ! finishes in linear time', () => {
    const p = spec({ exclude_lines: ['(a+)+$'], redact: ['(a+)+!'] });
    const line = 'a'.repeat(50_000) + '!';
    const r = p.apply(line);
    expect(r).toEqual({ keep: true, text: '***', redacted: 1 });
  });
});
