// router.js moves between the kiosk's screens. Navigation lives in memory
// only: the browser history keeps a single entry, so nothing a previous
// citizen looked at can be reached with a back gesture, and the idle reset
// can forget it all at once.

import { h } from './dom.js';

export class Router {
  // views maps a screen name to async (ctx, params, alive) => Node.
  constructor(main, views, ctx) {
    this.main = main;
    this.views = views;
    this.ctx = ctx;
    this.stack = [];
    this.seq = 0;
    this.onChange = () => {};
  }

  current() {
    return this.stack[this.stack.length - 1] || null;
  }

  // go opens a screen on top of the current one.
  go(name, params = {}) {
    const cur = this.current();
    if (cur) cur.scroll = this.main.scrollTop;
    this.stack.push({ name, params, scroll: 0 });
    if (this.stack.length > 30) this.stack.shift();
    return this.render();
  }

  // replace swaps the current screen for another (same depth).
  replace(name, params = {}) {
    this.stack.pop();
    this.stack.push({ name, params, scroll: 0 });
    return this.render();
  }

  back() {
    if (this.stack.length <= 1) return this.home();
    this.stack.pop();
    return this.render();
  }

  // home forgets every screen and shows the home screen.
  home() {
    this.stack = [];
    return this.go('home');
  }

  async render() {
    const entry = this.current();
    const seq = ++this.seq;
    const alive = () => seq === this.seq;
    const slow = setTimeout(() => {
      if (alive()) this.main.replaceChildren(h('p', { class: 'loading', role: 'status', text: '正在查询，请稍候……' }));
    }, 200);
    let node;
    try {
      node = await this.views[entry.name](this.ctx, entry.params, alive);
    } catch (err) {
      console.error(err);
      node = h('div', { class: 'notice notice-warn', role: 'alert' },
        h('p', { text: '页面出现问题，请点击“首页”重新开始，或咨询工作人员。' }));
    } finally {
      clearTimeout(slow);
    }
    if (!alive()) return;
    this.main.replaceChildren(node);
    this.main.scrollTop = entry.scroll || 0;
    document.body.dataset.view = entry.name;
    this.onChange(entry);
  }
}
