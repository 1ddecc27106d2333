// pager.js gives a scrolling box large 上一页/下一页 buttons and says where
// the reader is (第 2 / 7 页), so a long text never scrolls out of sight
// without a visible cue. It hides itself while the box has nothing to
// scroll (in portrait the page itself scrolls, and the page's pager shows).

import { h, button } from '../dom.js';

// OVERLAP keeps a line of the last page in view after turning a page.
const OVERLAP = 0.9;

// pager returns the controls of target (an element, or a function that
// returns the element that scrolls now), named for what it turns.
export function pager(target, name, id) {
  const el = () => (typeof target === 'function' ? target() : target);
  const pos = h('span', { class: 'pager-pos', 'aria-live': 'polite' });
  const turn = (dir) => {
    const t = el();
    t.scrollBy({ top: dir * t.clientHeight * OVERLAP, behavior: 'auto' });
    update();
  };
  const prev = button('上一页', () => turn(-1), { cls: 'btn btn-secondary pager-btn', iconName: 'up', 'aria-label': `${name}上一页` });
  const next = button('下一页', () => turn(1), { cls: 'btn btn-primary pager-btn', iconName: 'down', 'aria-label': `${name}下一页` });
  const bar = h('div', { class: 'pager', id, role: 'group', 'aria-label': `${name}翻页` }, prev, pos, next);
  const update = () => {
    const t = el();
    if (!t || !bar.isConnected) return;
    const page = Math.max(t.clientHeight * OVERLAP, 1);
    const pages = Math.max(1, Math.ceil((t.scrollHeight - t.clientHeight) / page) + 1);
    bar.hidden = t.scrollHeight <= t.clientHeight + 4;
    const at = Math.min(pages, Math.round(t.scrollTop / page) + 1);
    pos.textContent = `第 ${at} / ${pages} 页`;
    prev.disabled = t.scrollTop <= 1;
    next.disabled = t.scrollTop + t.clientHeight >= t.scrollHeight - 2;
  };
  bar.hidden = true;
  // Boxes resize with orientation and elder mode, and the text loads late.
  const watch = () => {
    const t = el();
    if (!t) return;
    t.addEventListener('scroll', update, { passive: true });
    new ResizeObserver(update).observe(t);
    for (const c of t.children) new ResizeObserver(update).observe(c);
  };
  requestAnimationFrame(() => {
    watch();
    update();
  });
  bar.refresh = update;
  return bar;
}
