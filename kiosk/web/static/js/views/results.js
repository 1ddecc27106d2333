// results.js lists the documents a search or a category finds, with facet
// chips (counts) to narrow the list, repealed documents marked with what
// replaced them, and the way to 依申请公开 when nothing is found.

import { h, icon, button } from '../dom.js';
import { FACET_NAMES, KIND_NAMES, facetLabel, formatDate, isCurrent } from '../text.js';
import { validityBadge, replacementOf, replacementButton, kindBadge, notFound } from './common.js';

const PAGE = 20;
const FACET_ORDER = ['category', 'kind', 'validity', 'year', 'agency'];

function queryString(params, offset) {
  const u = new URLSearchParams();
  if (params.q) u.set('q', params.q);
  for (const [k, v] of Object.entries(params.filters || {})) if (v) u.set(k, v);
  u.set('limit', String(PAGE));
  u.set('offset', String(offset));
  return u.toString();
}

// withFilter returns the same search with one filter set (with the label
// its chip showed) or cleared.
function withFilter(params, name, value, label = '') {
  const filters = { ...(params.filters || {}) };
  const labels = { ...(params.labels || {}) };
  if (value) {
    filters[name] = value;
    labels[name] = label;
  } else {
    delete filters[name];
    delete labels[name];
  }
  return { q: params.q, filters, labels };
}

// snippetWithHighlights marks the query words the server found in the
// snippet: bold and underlined, not by colour alone.
function snippetWithHighlights(text, highlights) {
  const chars = [...text];
  const out = [];
  let at = 0;
  for (const [start, end] of (Array.isArray(highlights) ? highlights : []).slice().sort((a, b) => a[0] - b[0])) {
    if (start < at || end > chars.length || end <= start) continue;
    out.push(chars.slice(at, start).join(''), h('mark', { text: chars.slice(start, end).join('') }));
    at = end;
  }
  out.push(chars.slice(at).join(''));
  return h('span', { class: 'result-snippet' }, out);
}

function resultCard(ctx, item, q) {
  const repl = replacementOf(item);
  const meta = [item.doc_number, item.agency, item.published_at && `发布于 ${formatDate(item.published_at)}`].filter(Boolean).join('　');
  const card = h('article', { class: 'result', dataset: { id: item.id } },
    h('button', { type: 'button', class: 'result-open', onclick: () => ctx.router.go('doc', { id: item.id, q }) },
      h('span', { class: 'result-badges' }, kindBadge(KIND_NAMES[item.kind]), validityBadge(item.validity)),
      h('span', { class: 'result-title', text: item.title }),
      h('span', { class: 'result-meta', text: meta }),
      item.snippet ? snippetWithHighlights(item.snippet, item.highlights) : null),
    repl ? replacementButton(ctx, repl) : null);
  if (!repl && !isCurrent(item.validity)) {
    // The listing may not name the replacement; the document itself does.
    ctx.api.get(`/api/v1/documents/${item.id}`).then((r) => {
      const found = r.ok && r.data ? replacementOf(r.data) : null;
      if (found) card.appendChild(replacementButton(ctx, found));
    });
  }
  return card;
}

function activeFilters(ctx, params) {
  const chips = Object.entries(params.filters || {}).filter(([, v]) => v).map(([k, v]) =>
    button(`${FACET_NAMES[k] || k}：${(params.labels || {})[k] || facetLabel(k, v)}（点此取消）`, () => ctx.router.replace('results', withFilter(params, k, '')),
      { cls: 'chip chip-active', iconName: 'close', dataset: { remove: k } }));
  return chips.length ? h('div', { class: 'chips active-filters', 'aria-label': '已选条件' }, chips) : null;
}

// facetValues are the values of a facet worth offering: not the value
// already chosen, and below the chosen category when there is one.
function facetValues(params, facets, name) {
  const values = Array.isArray(facets[name]) ? facets[name] : [];
  const chosen = (params.filters || {})[name];
  if (!chosen) return values.length > 1 ? values : [];
  if (name !== 'category') return [];
  return values.filter((f) => String(f.value).startsWith(chosen + '/'));
}

function facetGroups(ctx, params, facets) {
  const groups = FACET_ORDER.filter((name) => facetValues(params, facets, name).length > 0)
    .map((name) => h('div', { class: 'facet' },
      h('h2', { class: 'facet-title', text: (params.filters || {})[name] ? '细分类别' : FACET_NAMES[name] }),
      h('div', { class: 'chips' }, facetValues(params, facets, name).map((f) =>
        h('button', { type: 'button', class: 'chip chip-facet', dataset: { facet: name, value: f.value },
          onclick: () => ctx.router.replace('results', withFilter(params, name, String(f.value), f.label || '')) },
        h('span', { text: f.label || facetLabel(name, f.value) }), h('span', { class: 'count', text: `${f.count}份` }))))));
  return groups.length ? h('aside', { class: 'facets', id: 'facets', 'aria-label': '筛选' }, groups) : null;
}

// subCategories offers the children of the chosen category when the server
// sends no category facet.
async function subCategories(ctx, params, facets) {
  const path = (params.filters || {}).category;
  if (!path || (facets.category && facets.category.length)) return null;
  const r = await ctx.api.get('/api/v1/categories');
  const items = (r.data && r.data.items) || [];
  const count = (p) => items.filter((c) => c.path === p || c.path.startsWith(p + '/')).reduce((n, c) => n + (c.count || 0), 0);
  const kids = items.filter((c) => c.path.startsWith(path + '/') && !c.path.slice(path.length + 1).includes('/') && count(c.path) > 0);
  if (!kids.length) return null;
  return h('aside', { class: 'facets', id: 'facets', 'aria-label': '筛选' }, h('div', { class: 'facet' },
    h('h2', { class: 'facet-title', text: '细分类别' }),
    h('div', { class: 'chips' }, kids.map((c) => h('button', { type: 'button', class: 'chip chip-facet', dataset: { facet: 'category', value: c.path },
      onclick: () => ctx.router.replace('results', withFilter(params, 'category', c.path, c.name)) },
    h('span', { text: c.name }), h('span', { class: 'count', text: `${count(c.path)}份` }))))));
}

function heading(params, data) {
  const what = params.q ? `“${params.q}”的查询结果` : `${facetLabel('category', (params.filters || {}).category || '') || '全部文件'}`;
  const count = data.total_exact === false ? `超过 ${data.total} 份，请选下面的条件缩小范围` : `共 ${data.total || 0} 份`;
  return h('h1', { class: 'page-title', 'data-speak': '' }, what, h('span', { class: 'total', text: count }));
}

// searchNotes says when the server loosened or widened the search.
function searchNotes(data) {
  const notes = [];
  if (data.relaxed) notes.push('没有找到同时包含全部字词的文件，下面是包含部分字词的文件。');
  if (Array.isArray(data.expanded) && data.expanded.length) notes.push(`同时查找了：${data.expanded.join('、')}`);
  return notes.length ? h('div', { class: 'search-notes' }, notes.map((n) => h('p', { text: n }))) : null;
}

export async function results(ctx, params, alive) {
  const r = await ctx.api.get('/api/v1/documents?' + queryString(params, 0), { device: true, content: true });
  if (!r.ok) {
    return h('div', { class: 'notice notice-warn', role: 'alert' }, icon('warn'),
      h('p', { text: r.status === 0 || r.offline ? '网络已断开，暂时无法查询。请稍后再试，或咨询工作人员。' : r.error || '查询没有成功，请稍后再试。' }));
  }
  if (params.q && !params.logged) {
    params.logged = true;
    ctx.api.event('search', { query: params.q });
  }
  const data = r.data;
  const total = data.total || 0;
  const facets = data.facets || {};
  const list = h('div', { class: 'result-list', id: 'results' }, (data.items || []).map((it) => resultCard(ctx, it, params.q)));
  let offset = (data.items || []).length;
  const more = h('button', { type: 'button', class: 'btn btn-secondary btn-wide', id: 'more' });
  const updateMore = () => {
    more.hidden = offset >= total;
    more.textContent = `显示更多（还有 ${total - offset} 份）`;
  };
  more.addEventListener('click', async () => {
    const next = await ctx.api.get('/api/v1/documents?' + queryString(params, offset), { device: true, content: true });
    if (!alive() || !next.ok) return;
    for (const it of next.data.items || []) list.appendChild(resultCard(ctx, it, params.q));
    offset += (next.data.items || []).length || total;
    updateMore();
  });
  updateMore();
  const side = facetGroups(ctx, params, facets) || (await subCategories(ctx, params, facets));
  // In portrait the filters wait behind this button, so results come first.
  const toggle = side ? h('button', { type: 'button', class: 'btn btn-secondary filter-toggle', id: 'filter-toggle',
    'aria-expanded': 'false', 'aria-controls': 'facets' }, icon('filter'), h('span', { class: 'btn-label', text: '筛选' })) : null;
  const body = total === 0
    ? notFound(ctx, params.q)
    : h('div', { class: 'result-body' }, searchNotes(data), list, more,
      button('找不到想要的文件？', () => ctx.router.go('help', {}), { cls: 'btn btn-link', iconName: 'help', id: 'results-help' }));
  const view = h('div', { class: side ? 'results with-facets' : 'results' },
    h('div', { class: 'results-head' }, heading(params, data), activeFilters(ctx, params),
      params.q ? button('修改搜索词', () => ctx.router.go('search', { q: params.q }), { cls: 'btn btn-secondary', iconName: 'search' }) : null,
      toggle),
    side, body);
  if (toggle) {
    toggle.addEventListener('click', () => {
      const open = view.classList.toggle('filters-open');
      toggle.setAttribute('aria-expanded', String(open));
      toggle.querySelector('.btn-label').textContent = open ? '收起筛选' : '筛选';
    });
  }
  return view;
}
