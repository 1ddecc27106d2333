// search.js is the search screen: a text field filled by the on-screen
// keyboard (letters, digits), a row of candidates that updates as the
// citizen types, and a search key. No Chinese input method is needed: the
// server turns initials and pinyin into words (DB → 低保).

import { h, button } from '../dom.js';
import { letterKeyboard, editText } from '../keyboard.js';
import { HOT_TOPICS, localCandidates } from '../text.js';

const SUGGEST_DELAY = 150;

// suggestions asks the server for candidates; it answers [] when the
// endpoint is missing or unreachable.
async function suggestions(ctx, q) {
  if (ctx.state.suggestMissingUntil > Date.now()) return [];
  const r = await ctx.api.get('/api/v1/search/suggest?q=' + encodeURIComponent(q), { timeout: 4000 });
  if (r.status === 404 || r.status === 405) {
    ctx.state.suggestMissingUntil = Date.now() + 5 * 60 * 1000;
    return [];
  }
  if (!r.ok || !r.data || !Array.isArray(r.data.items)) return [];
  return r.data.items.map((it) => (typeof it === 'string' ? it : it.text)).filter(Boolean);
}

function candidateButtons(ctx, words) {
  return words.map((w) => h('button', { type: 'button', class: 'chip chip-candidate', dataset: { candidate: w },
    onclick: () => run(ctx, w) }, w));
}

function run(ctx, q) {
  const text = q.trim();
  if (!text) return;
  ctx.router.go('results', { q: text, filters: {} });
}

export async function search(ctx, params, alive) {
  let typed = params.q ?? ctx.state.typed ?? '';
  let seq = 0;
  let timer = 0;
  const field = h('input', { id: 'search-input', class: 'search-input', type: 'text', inputmode: 'none',
    autocomplete: 'off', spellcheck: 'false', 'aria-label': '搜索内容', placeholder: '请用下方键盘输入拼音或首字母' });
  field.value = typed;
  const cands = h('div', { id: 'candidates', class: 'candidates', role: 'group', 'aria-label': '候选词', 'aria-live': 'polite' });
  const hint = h('p', { class: 'cand-hint', text: '' });

  const refresh = () => {
    const q = typed.trim();
    const mine = ++seq;
    clearTimeout(timer);
    if (!q) {
      hint.textContent = '大家常查：';
      cands.replaceChildren(...candidateButtons(ctx, HOT_TOPICS.map((t) => t.text)));
      return;
    }
    hint.textContent = '您要找的是不是：';
    const local = localCandidates(q);
    cands.replaceChildren(...candidateButtons(ctx, local));
    timer = setTimeout(async () => {
      const remote = await suggestions(ctx, q);
      if (mine !== seq || !alive()) return;
      const words = [...new Set([...remote, ...local])].slice(0, 12);
      cands.replaceChildren(...candidateButtons(ctx, words));
      if (!words.length) hint.textContent = '没有候选词，可直接点“搜索”：';
    }, SUGGEST_DELAY);
  };
  const set = (v) => {
    typed = v;
    ctx.state.typed = v;
    field.value = v;
    refresh();
  };
  field.addEventListener('input', () => set(field.value.slice(0, 40)));
  field.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') run(ctx, typed);
  });
  const onKey = (k) => (k === 'ENTER' ? run(ctx, typed) : set(editText(typed, k)));
  refresh();
  return h('div', { class: 'search' },
    h('h1', { class: 'page-title', text: '搜索政策文件' }),
    h('div', { class: 'search-bar' }, field,
      button('清空', () => set(''), { cls: 'btn btn-secondary', iconName: 'close', id: 'search-clear' })),
    h('div', { class: 'cand-row' }, hint, cands),
    letterKeyboard(onKey),
    h('p', { class: 'tip', text: '小提示：低保输入 DB，医保输入 YB；文号可输入年份和数字，如 2019 5。' }));
}
