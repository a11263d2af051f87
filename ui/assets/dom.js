// Small DOM helpers. Text always goes in through textContent: log lines are anyone's text, never markup.

/** el('div', { class: 'row', dataset: { id } }, child, 'text', ...) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
    else if (k === 'text') node.textContent = String(v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) node.append(c instanceof Node ? c : String(c));
  return node;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** A local time with milliseconds: 2026-12-01 11:53:34.120 */
export function formatTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** The value of a datetime-local input for an epoch ms, and back. */
export function toLocalInput(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function fromLocalInput(text) {
  const ms = new Date(text).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

/** The level's colour class: error, warn, info, debug (trace), or none. */
export function levelClass(level) {
  const l = String(level || '').toLowerCase();
  if (/^(fatal|crit|critical|emerg|alert|error|err|panic|severe)$/.test(l)) return 'lvl-error';
  if (/^(warn|warning)$/.test(l)) return 'lvl-warn';
  if (/^(info|notice|information)$/.test(l)) return 'lvl-info';
  if (/^(debug|trace|verbose|fine)$/.test(l)) return 'lvl-debug';
  return 'lvl-none';
}

/** The short name of a source: a file's base name. */
export function shortSource(source) {
  const s = String(source || '');
  const i = s.lastIndexOf('/');
  return i >= 0 && i < s.length - 1 ? s.slice(i + 1) : s;
}

export function formatCount(n) {
  return Number(n).toLocaleString('en-US');
}
