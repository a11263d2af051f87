// Text from the logs on our stdout (search, dlq list) cannot drive the terminal; --source cannot widen a search.
import { describe, expect, it } from 'vitest';
import { letterLine } from '../../cli/dlq.js';
import { formatLine } from '../../cli/search-format.js';
import { escapeControls, safeJson } from '../../cli/terminal-text.js';
import { makeDeadLetter } from '../../sink/dead-letter.js';
import { escapeWildcard, queryOf } from '../../search/query.js';

describe('escapeControls', () => {
  it('escapes ESC sequences, CR, BEL, DEL, C1 and bidi overrides; keeps newline, tab and other text', () => {
    const hostile = 'a\x1b]0;pwned\x07b\x1b[2Jc\rd\x7fe\x9bf\u202eg\tz\nnext é ✓';
    expect(escapeControls(hostile)).toBe('a\\u001b]0;pwned\\u0007b\\u001b[2Jc\\u000dd\\u007fe\\u009bf\\u202eg\tz\nnext é ✓');
  });

  it('oneLine: newline and tab too', () => {
    expect(escapeControls('a\nb\tc', { oneLine: true })).toBe('a\\u000ab\\u0009c');
  });
});

describe('safeJson', () => {
  it('is JSON.stringify with DEL, C1 and bidi escaped too, so the same value parses back', () => {
    const v = { message: 'x\x1b[31m\x9b\u202e\x7f' };
    const s = safeJson(v);
    expect(s).toBe('{"message":"x\\u001b[31m\\u009b\\u202e\\u007f"}');
    expect(JSON.parse(s)).toEqual(v);
  });
});

describe('search and dlq list output', () => {
  const esc = '\x1b]2;owned\x07\x1b[1A';

  it('search: a hostile message is escaped in text mode and in JSON mode', () => {
    const src = { '@timestamp': 't', host: { name: 'h' }, logship: { source: { name: 's' } }, message: `hi${esc}` };
    const text = { mode: 'text', utc: true, color: false } as const;
    expect(formatLine(src, text)).toBe('t -     h s hi\\u001b]2;owned\\u0007\\u001b[1A\n');
    expect(formatLine(src, { ...text, mode: 'raw' })).toBe('hi\\u001b]2;owned\\u0007\\u001b[1A\n');
    expect(formatLine(src, { ...text, mode: 'logfmt' })).toContain('msg=hi\\u001b]2;owned\\u0007\\u001b[1A');
    expect(formatLine({ message: 'x\x9b2J' }, { ...text, mode: 'json' })).toBe('{"message":"x\\u009b2J"}\n');
  });

  it('dlq list: a hostile reason is escaped, newlines too (one letter per line)', () => {
    const d = makeDeadLetter({
      raw: Buffer.from('x'),
      reason: `bad${esc}\nforged line`,
      stage: 'decode',
      errorType: 'json',
      topic: 'logs',
      partition: 0,
      offset: '7',
      key: null,
      now: new Date(0),
    });
    expect(letterLine(d, false)).toBe(
      '1970-01-01T00:00:00.000Z decode json logs/0/7 bad\\u001b]2;owned\\u0007\\u001b[1A\\u000aforged line\n',
    );
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    expect(letterLine(d, true).slice(0, -1)).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });
});

describe('--source in the wildcard query', () => {
  it('*, ? and \\ match only themselves', () => {
    expect(escapeWildcard('a*b?c\\d')).toBe('a\\*b\\?c\\\\d');
    const body = JSON.stringify(queryOf({ source: '*' }));
    expect(body).toContain('"value":"*\\\\**"');
  });
});
