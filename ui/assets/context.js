// The context view: the lines before and after one line in its own source, in file order (by byte offset).
import { getJson } from './api.js';
import { el, formatTime, levelClass } from './dom.js';

export async function showContext(dialog, row, lines = 15) {
  dialog.replaceChildren(el('p', { class: 'muted' }, 'loading…'));
  if (!dialog.open) dialog.showModal();
  try {
    const c = await getJson('context', new URLSearchParams({ id: row.id, lines: String(lines) }));
    const line = (r, here) =>
      el(
        'div',
        { class: `ctx-line ${levelClass(r.level)}${here ? ' here' : ''}`, dataset: { testid: 'context-line', offset: String(r.offset) } },
        el('span', { class: 'offset' }, String(r.offset)),
        el('span', { class: 'time' }, formatTime(r.time)),
        el('span', { class: 'message' }, r.message),
      );
    dialog.replaceChildren(
      el(
        'div',
        { class: 'ctx-head' },
        el('strong', {}, `${c.row.host} · ${c.row.source}`),
        el('span', { class: 'muted' }, ` ${c.before.length} before, ${c.after.length} after (by byte offset)`),
        el(
          'button',
          { type: 'button', class: 'close', dataset: { testid: 'context-close' }, on: { click: () => dialog.close() } },
          'close',
        ),
      ),
      el(
        'div',
        { class: 'ctx-lines' },
        c.before.map((r) => line(r, false)),
        line(c.row, true),
        c.after.map((r) => line(r, false)),
      ),
    );
    dialog.querySelector('.here')?.scrollIntoView({ block: 'center' });
  } catch (err) {
    dialog.replaceChildren(
      el('p', { class: 'error' }, `context: ${err.message}`),
      el('button', { type: 'button', on: { click: () => dialog.close() } }, 'close'),
    );
  }
}
