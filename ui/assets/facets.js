// Facets with counts: click keeps only that value, shift-click leaves it out; the active filters are chips.
import { el, formatCount, shortSource } from './dom.js';

const TITLES = { host: 'Host', source: 'Source', level: 'Level', service: 'Service' };

/** `facets`: { host: [{ value, count }], ... }; `onPick(facet, value, exclude)`. */
export function renderFacets(root, facets, state, onPick) {
  const active = new Set(state.include);
  const out = new Set(state.exclude);
  root.replaceChildren(
    ...Object.keys(TITLES).map((facet) => {
      const buckets = facets[facet] ?? [];
      return el(
        'section',
        { class: 'facet', dataset: { facet } },
        el('h3', {}, TITLES[facet]),
        buckets.length === 0
          ? el('p', { class: 'muted' }, 'none')
          : el(
              'ul',
              {},
              buckets.map((b) => {
                const key = `${facet}:${b.value}`;
                const cls = active.has(key) ? 'on' : out.has(key) ? 'out' : '';
                return el(
                  'li',
                  {},
                  el(
                    'button',
                    {
                      type: 'button',
                      class: cls,
                      title: `${b.value}\nclick: only this · shift-click: leave it out`,
                      dataset: { testid: 'facet-value', facet, value: b.value },
                      on: { click: (e) => onPick(facet, b.value, e.shiftKey) },
                    },
                    el('span', { class: 'value' }, facet === 'source' ? shortSource(b.value) : b.value),
                    el('span', { class: 'count', dataset: { count: String(b.count) } }, formatCount(b.count)),
                  ),
                );
              }),
            ),
      );
    }),
  );
}

/** The active filters; `onRemove(facet, value, exclude)`, or `onRemoveWhere(text)` for a field filter. */
export function renderChips(root, state, onRemove, onRemoveWhere) {
  const chip = (key, exclude) => {
    const [facet, ...rest] = key.split(':');
    return el(
      'button',
      {
        type: 'button',
        class: exclude ? 'chip out' : 'chip',
        title: 'remove this filter',
        dataset: { testid: 'filter-chip' },
        on: { click: () => onRemove(facet, rest.join(':'), exclude) },
      },
      `${exclude ? 'NOT ' : ''}${facet}: ${rest.join(':')} ×`,
    );
  };
  const where = (w) =>
    el(
      'button',
      {
        type: 'button',
        class: 'chip',
        title: 'remove this filter',
        dataset: { testid: 'filter-chip' },
        on: { click: () => onRemoveWhere(w) },
      },
      `where ${w} ×`,
    );
  root.replaceChildren(...state.include.map((k) => chip(k, false)), ...state.exclude.map((k) => chip(k, true)), ...state.where.map(where));
}
