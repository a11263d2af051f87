// The SGR-to-HTML converter behind the terminal screenshots (test/support/ansi-html.ts), and the page around it.
import { describe, expect, it } from 'vitest';
import { ansiToHtml, applySgr } from '../support/ansi-html.js';
import { terminalPage } from '../support/terminal-page.js';
import { formatLine } from '../../cli/search-format.js';

const E = '\u001b';

describe('ansiToHtml', () => {
  it('leaves plain text as it is, HTML-escaped', () => {
    expect(ansiToHtml('a < b && "c" > d\n')).toBe('a &lt; b &amp;&amp; &quot;c&quot; &gt; d\n');
  });

  it('wraps a coloured run in a span and ends it at the reset', () => {
    expect(ansiToHtml(`x ${E}[31mERROR${E}[0m y`)).toBe('x <span class="fg1">ERROR</span> y');
  });

  it('combines bold, dim and colours; bright colours are 8-15; 39/49/22 undo their part', () => {
    expect(ansiToHtml(`${E}[1;35mF${E}[0m`)).toBe('<span class="b fg5">F</span>');
    expect(ansiToHtml(`${E}[2mt${E}[22m${E}[92;44mg${E}[39mh${E}[49mi`)).toBe(
      '<span class="d">t</span><span class="fg10 bg4">g</span><span class="bg4">h</span>i',
    );
    expect(ansiToHtml(`${E}[3;4mi${E}[23mu${E}[24m.`)).toBe('<span class="i u">i</span><span class="u">u</span>.');
  });

  it('ESC [ m and an empty parameter reset too', () => {
    expect(ansiToHtml(`${E}[33ma${E}[mb${E}[;32mc`)).toBe('<span class="fg3">a</span>b<span class="fg2">c</span>');
  });

  it('drops other escape sequences (cursor moves, erase) and skips 256-colour arguments', () => {
    expect(ansiToHtml(`a${E}[2Kb${E}[1Ac${E}7d`)).toBe('abcd');
    const pen = { bold: false, dim: false, italic: false, underline: false };
    expect(applySgr(pen, '38;5;196;1')).toEqual({ ...pen, bold: true });
    expect(applySgr(pen, '38;2;1;2;3;31')).toEqual({ ...pen, fg: 1 });
  });

  it("renders a coloured `logship search` line: the time dim, the level in its colour, a hostile message's ESC as text", () => {
    const line = formatLine(
      {
        '@timestamp': '2026-12-01T12:00:00.000Z',
        host: { name: 'web-1' },
        log: { level: 'error', file: { path: '/var/log/app.log' } },
        message: `boom ${E}[2J <b>`,
      },
      { mode: 'text', utc: true, color: true },
    );
    expect(ansiToHtml(line)).toBe(
      '<span class="d">2026-12-01 12:00:00.000Z</span> <span class="fg1">ERROR</span> web-1 app.log boom \\u001b[2J &lt;b&gt;\n',
    );
  });
});

describe('terminalPage', () => {
  it('shows each command after a prompt, then its output, in one escaped page', () => {
    const html = terminalPage([
      { command: 'logship search "a<b"', output: `${E}[32mINFO ${E}[0m ok\n` },
      { command: 'logship search --histogram', output: '1 matches\n' },
    ]);
    expect(html).toContain('<span class="cmd">logship search &quot;a&lt;b&quot;</span>\n<span class="fg2">INFO </span> ok\n');
    expect(html).toContain('<span class="cmd">logship search --histogram</span>\n1 matches\n');
    expect(html).not.toContain(E);
  });
});
