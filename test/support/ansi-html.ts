// Terminal output with SGR colours (ESC [ ... m) as HTML, for screenshots of `logship search`. Pure. Bold, dim,
// italic, underline and the 16 foreground and background colours become classes (fg1 = red, fg9 = bright red;
// the page's stylesheet gives them a palette); any other escape sequence is dropped; the text is HTML-escaped.

interface Pen {
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  fg?: number;
  bg?: number;
}

const plain = (): Pen => ({ bold: false, dim: false, italic: false, underline: false });

/** The pen after the parameters of one SGR sequence (`1;31`; empty is a reset). */
export function applySgr(pen: Pen, params: string): Pen {
  const p = { ...pen };
  const codes = params === '' ? [0] : params.split(';').map((c) => (c === '' ? 0 : Number(c)));
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c === 0) Object.assign(p, plain(), { fg: undefined, bg: undefined });
    else if (c === 1) p.bold = true;
    else if (c === 2) p.dim = true;
    else if (c === 3) p.italic = true;
    else if (c === 4) p.underline = true;
    else if (c === 22) p.bold = p.dim = false;
    else if (c === 23) p.italic = false;
    else if (c === 24) p.underline = false;
    else if (c >= 30 && c <= 37) p.fg = c - 30;
    else if (c >= 90 && c <= 97) p.fg = c - 90 + 8;
    else if (c === 39) p.fg = undefined;
    else if (c >= 40 && c <= 47) p.bg = c - 40;
    else if (c >= 100 && c <= 107) p.bg = c - 100 + 8;
    else if (c === 49) p.bg = undefined;
    // 256-colour and true-colour forms (38;5;N, 38;2;R;G;B): not used by logship, skipped with their arguments.
    else if (c === 38 || c === 48) i += codes[i + 1] === 5 ? 2 : codes[i + 1] === 2 ? 4 : 1;
  }
  return p;
}

function classesOf(p: Pen): string[] {
  const cls: string[] = [];
  if (p.bold) cls.push('b');
  if (p.dim) cls.push('d');
  if (p.italic) cls.push('i');
  if (p.underline) cls.push('u');
  if (p.fg !== undefined) cls.push(`fg${p.fg}`);
  if (p.bg !== undefined) cls.push(`bg${p.bg}`);
  return cls;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// CSI sequences (ESC [ params final) and two-character escapes; only CSI ... m changes the pen.
// eslint-disable-next-line no-control-regex -- matching the escape character is the point
const ESCAPES = /\u001b\[([0-9;?]*)([@-~])|\u001b[0-Z\\-~]/g;

/** The text as HTML: runs of one style in `<span class="...">`, unstyled text bare. */
export function ansiToHtml(text: string): string {
  let pen = plain();
  let out = '';
  let last = 0;
  const emit = (chunk: string) => {
    if (chunk === '') return;
    const cls = classesOf(pen);
    out += cls.length === 0 ? escapeHtml(chunk) : `<span class="${cls.join(' ')}">${escapeHtml(chunk)}</span>`;
  };
  for (const m of text.matchAll(ESCAPES)) {
    emit(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] === 'm') pen = applySgr(pen, m[1]);
  }
  emit(text.slice(last));
  return out;
}
