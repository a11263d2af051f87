// Result rows: time, level (coloured), host, short source, message. A click expands a row to the whole event;
// "context" shows the lines around it in its source.
import { el, formatTime, levelClass, shortSource } from './dom.js';

export function rowElement(r, actions) {
  const detail = el('div', { class: 'detail', hidden: true });
  const row = el(
    'div',
    { class: `row ${levelClass(r.level)}`, dataset: { testid: 'row', id: r.id, offset: String(r.offset) } },
    el(
      'div',
      { class: 'line', on: { click: () => toggle(row, detail, r, actions) } },
      el('span', { class: 'time', title: r.time }, formatTime(r.time)),
      el('span', { class: 'level', dataset: { testid: 'row-level' } }, r.level || '-'),
      el('span', { class: 'host' }, r.host),
      el('span', { class: 'source', title: r.source }, shortSource(r.source)),
      el('span', { class: 'message', dataset: { testid: 'row-message' } }, r.message),
      el(
        'button',
        {
          type: 'button',
          class: 'ctx',
          title: 'the lines around this one in its source',
          dataset: { testid: 'context-button' },
          on: {
            click: (e) => {
              e.stopPropagation();
              actions.onContext(r);
            },
          },
        },
        'context',
      ),
    ),
    detail,
  );
  return row;
}

function toggle(row, detail, r, actions) {
  if (!detail.hidden) {
    detail.hidden = true;
    row.classList.remove('open');
    return;
  }
  if (detail.childElementCount === 0) {
    const filter = (facet, value) =>
      value
        ? el('button', { type: 'button', on: { click: () => actions.onFilter(facet, value) } }, `only ${facet} ${shortSource(value)}`)
        : undefined;
    detail.append(
      el(
        'div',
        { class: 'detail-actions' },
        filter('host', r.host),
        filter('source', r.source),
        filter('level', r.level),
        el('span', { class: 'muted' }, `${r.index} · offset ${r.offset} · id ${r.id}`),
      ),
      el('pre', { dataset: { testid: 'row-event' } }, JSON.stringify(r.event, null, 2)),
    );
  }
  detail.hidden = false;
  row.classList.add('open');
}

export function renderRows(root, rows, actions) {
  root.replaceChildren(...rows.map((r) => rowElement(r, actions)));
}

/** Live tail: newest first, so new lines go on top. */
export function prependRows(root, rows, actions, keep = 2000) {
  for (const r of rows) root.prepend(rowElement(r, actions));
  while (root.childElementCount > keep) root.lastElementChild.remove();
}
