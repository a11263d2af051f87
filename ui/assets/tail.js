// Live tail over server-sent events: new matching lines go on top while the reader is at the top of the page;
// once they scroll away, new lines wait (counted in a banner) until they come back up or click it.
import { el, formatCount } from './dom.js';
import { prependRows } from './rows.js';

export function createLiveTail({ rows, paused, actions, onError }) {
  let source;
  let shown = new Set();
  let waiting = [];
  const atTop = () => window.scrollY < 40;

  const flush = () => {
    if (waiting.length > 0) prependRows(rows, waiting.reverse(), actions);
    waiting = [];
    paused.hidden = true;
  };
  const showPaused = () => {
    paused.hidden = false;
    paused.replaceChildren(
      el('span', {}, `Live tail paused: ${formatCount(waiting.length)} new line${waiting.length === 1 ? '' : 's'}. `),
      el('button', { type: 'button', on: { click: () => (window.scrollTo(0, 0), flush()) } }, 'show them'),
    );
  };
  window.addEventListener('scroll', () => {
    if (source && atTop()) flush();
  });

  return {
    /** Stops the tail, and starts one for `params` (undefined: off) from `since`, knowing the rows on screen. */
    restart(params, since, onScreen) {
      source?.close();
      source = undefined;
      waiting = [];
      paused.hidden = true;
      shown = new Set(onScreen.map((r) => r.id));
      if (!params) return;
      const p = new URLSearchParams(params);
      p.set('since', since);
      source = new EventSource(`/api/tail?${p}`);
      source.addEventListener('message', (e) => {
        const row = JSON.parse(e.data);
        if (shown.has(row.id)) return;
        shown.add(row.id);
        if (atTop()) prependRows(rows, [row], actions);
        else {
          waiting.push(row);
          showPaused();
        }
      });
      source.addEventListener('problem', (e) => onError(`live tail: ${JSON.parse(e.data).error}`));
    },
  };
}
