// home.js is the start screen: a big search entry, hot topics, the catalog
// categories as tiles, the 查询码 check, and what this citizen has viewed.

import { h, icon, button } from '../dom.js';
import { HOT_TOPICS } from '../text.js';
import { cachedDocuments } from '../offline.js';

// rootCategories returns the top-level categories with the number of public
// documents in their whole subtree.
export function rootCategories(items) {
  const roots = items.filter((c) => !c.parent_id).sort((a, b) => (a.position ?? 0) - (b.position ?? 0) || a.id - b.id);
  return roots.map((r) => ({
    ...r,
    total: items.filter((c) => c.path === r.path || c.path.startsWith(r.path + '/')).reduce((n, c) => n + (c.count || 0), 0),
  }));
}

function hotTopics(ctx) {
  return h('section', { class: 'home-hot', 'aria-labelledby': 'hot-title' },
    h('h2', { id: 'hot-title', class: 'section-title', text: '大家常查' }),
    h('div', { class: 'tiles tiles-hot' }, HOT_TOPICS.map((t) =>
      h('button', { type: 'button', class: 'tile tile-hot', dataset: { hot: t.text },
        onclick: () => ctx.router.go('results', { q: t.text, filters: {} }) },
      h('span', { class: 'tile-name', text: t.text }),
      h('span', { class: 'tile-sub', text: `拼音 ${t.initials.toUpperCase()}` })))));
}

function categoryTiles(ctx, res) {
  const body = [h('h2', { id: 'cat-title', class: 'section-title', text: '按类别查看' })];
  if (!res.ok && !res.data) {
    body.push(h('p', { class: 'notice', text: '暂时无法读取文件目录，请稍后再试。' }));
  } else {
    // A category with nothing public in it would be a tile that leads nowhere.
    const roots = rootCategories(res.data.items || []).filter((c) => c.total > 0);
    body.push(h('div', { class: 'tiles tiles-cat' }, roots.map((c) =>
      h('button', { type: 'button', class: 'tile tile-cat', dataset: { category: c.path },
        onclick: () => ctx.router.go('results', { q: '', filters: { category: c.path } }) },
      icon('doc', 'icon tile-icon'),
      h('span', { class: 'tile-name', text: c.name }),
      h('span', { class: 'tile-sub', text: `共 ${c.total} 份` })))));
  }
  return h('section', { class: 'home-cat', 'aria-labelledby': 'cat-title' }, body);
}

function viewedList(ctx) {
  if (!ctx.state.viewed.length) return null;
  return h('section', { class: 'home-viewed', 'aria-labelledby': 'viewed-title' },
    h('h2', { id: 'viewed-title', class: 'section-title', text: '您刚才看过' }),
    h('div', { class: 'chips' }, ctx.state.viewed.map((d) =>
      button(d.title, () => ctx.router.go('doc', { id: d.id }), { cls: 'chip chip-doc', iconName: 'doc', dataset: { viewed: d.id } }))));
}

async function offlineList(ctx) {
  if (ctx.api.online) return null;
  const docs = await cachedDocuments();
  if (!docs.length) return null;
  return h('section', { class: 'home-offline', 'aria-labelledby': 'offline-title' },
    h('h2', { id: 'offline-title', class: 'section-title', text: '网络恢复前，可以查看这些文件' }),
    h('div', { class: 'chips' }, docs.map((d) =>
      button(d.title, () => ctx.router.go('doc', { id: d.id }), { cls: 'chip chip-doc', iconName: 'doc' }))));
}

export async function home(ctx) {
  const cats = await ctx.api.get('/api/v1/categories');
  const launcher = h('button', { type: 'button', class: 'search-launcher', id: 'home-search', onclick: () => ctx.router.go('search', {}) },
    icon('search', 'icon launcher-icon'),
    h('span', { class: 'launcher-text' },
      h('span', { class: 'launcher-title', text: '点这里搜索政策文件' }),
      h('span', { class: 'launcher-sub', text: '不会打字也能查：输入拼音首字母，如 DB 就是“低保”' })));
  const extra = h('section', { class: 'home-more' },
    button('查询办理进度（查询码）', () => ctx.router.go('code', {}), { cls: 'tile tile-wide', iconName: 'keypad', id: 'home-code' }),
    button('找不到想要的文件？', () => ctx.router.go('help', {}), { cls: 'tile tile-wide', iconName: 'help', id: 'home-help' }),
    button('申请公开（依申请公开）', () => ctx.router.go('apply', {}), { cls: 'tile tile-wide tile-apply', iconName: 'doc', id: 'home-apply' }));
  return h('div', { class: 'home' },
    h('div', { class: 'home-left' }, launcher, hotTopics(ctx), extra, viewedList(ctx)),
    h('div', { class: 'home-right' }, await offlineList(ctx), categoryTiles(ctx, cats)));
}
