// The redaction rules (common/redact.ts): structural for URL passwords, by value for configured secrets in every
// form our output can give them, short secrets only as a whole value.
import { describe, expect, it } from 'vitest';
import { createRedactor, displayUrl, redactText, redactUrlUserInfo, secretForms } from '../../common/redact.js';

describe('redactUrlUserInfo', () => {
  it.each([
    ['http://elastic:p%40ssw0rd@es:9200', 'http://elastic:[redacted]@es:9200'],
    ['see https://u:p@ss@h:9/x?y=1 and redis://:tok@r:6379', 'see https://u:[redacted]@h:9/x?y=1 and redis://:[redacted]@r:6379'],
    ['{"url":"http://a:b\\"c@h/"}', '{"url":"http://a:[redacted]@h/"}'],
    ['kafka://k1:9092,k2:9092', 'kafka://k1:9092,k2:9092'], // no user info
    ['http://user@host/a:b@c', 'http://user@host/a:b@c'], // a user name only; an @ in the path
  ])('%s', (text, want) => {
    expect(redactUrlUserInfo(text)).toBe(want);
  });
});

describe('displayUrl', () => {
  it.each([
    ['http://127.0.0.1:9200', 'http://127.0.0.1:9200'],
    ['https://ops:pw@es:9200/x', 'https://ops:[redacted]@es:9200/x'],
    ['htp:/elastic:s3cret@es:9200', 'htp:/[redacted]@es:9200'], // a typo validate echoes
    ['http:/u:pw@h', 'http:/[redacted]@h'], // one slash, which URL parsers accept
    ['http://h/a@b', 'http://h/a@b'],
  ])('%s', (url, want) => {
    expect(displayUrl(url)).toBe(want);
  });
});

describe('secret forms', () => {
  it('as is, JSON-escaped once and twice, percent-encoded in both hex cases and as URL user info', () => {
    expect(secretForms('a"b\\c@d e$')).toEqual(
      expect.arrayContaining(['a"b\\c@d e$', 'a\\"b\\\\c@d e$', 'a\\\\\\"b\\\\\\\\c@d e$', 'a%22b%5Cc%40d%20e%24', 'a%22b%5Cc%40d+e%24']),
    );
    expect(secretForms('/x')).toEqual(expect.arrayContaining(['%2Fx', '%2fx']));
    expect(secretForms('x$y')).toContain('x$y'); // a URL's user info leaves $ as it is
  });
});

describe('createRedactor', () => {
  it('a long secret anywhere, in any form', () => {
    const r = createRedactor(['s3cr"et']);
    expect(r('a s3cr"et b s3cr\\"et c s3cr%22et')).toBe('a [redacted] b [redacted] c [redacted]');
  });

  it('a short secret only as a whole quoted value or after =, so its letters elsewhere survive', () => {
    const r = createRedactor(['x1']);
    expect(r('{"pw":"x1","n":"x10"} pw=x1&a=1 pw=x1 \'x1\' box1 x1')).toBe(
      '{"pw":"[redacted]","n":"x10"} pw=[redacted]&a=1 pw=[redacted] \'[redacted]\' box1 x1',
    );
  });

  it('a one-character secret does not erase that character from every line', () => {
    expect(redactText('partition 1 offset 11 pw=1', ['1'])).toBe('partition 1 offset 11 pw=[redacted]');
  });

  it('no secrets: URL passwords still, and the text otherwise untouched', () => {
    expect(redactText('a https://u:v@h b', [])).toBe('a https://u:[redacted]@h b');
    expect(redactText('plain', [''])).toBe('plain');
  });
});
