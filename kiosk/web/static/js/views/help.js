// help.js is the "找不到？" screen: other ways to find a document, and how
// to apply for information that is not published (依申请公开).

import { h, button } from '../dom.js';
import { applyGuide } from './common.js';

export async function help(ctx) {
  return h('div', { class: 'help' },
    h('h1', { class: 'page-title', 'data-speak': '', text: '找不到想要的文件？' }),
    h('section', { class: 'help-try' },
      h('h2', { class: 'section-title', 'data-speak': '', text: '先试试这几种办法' }),
      h('ol', { class: 'steps', 'data-speak': '' },
        h('li', { text: '换个说法搜索，比如“最低生活保障”也可以搜“低保”。' }),
        h('li', { text: '用拼音首字母搜索，比如“公积金”输入 GJJ。' }),
        h('li', { text: '回到首页，按类别一层一层查看。' })),
      h('div', { class: 'chips' },
        button('去搜索', () => ctx.router.go('search', {}), { cls: 'chip', iconName: 'search' }),
        button('按类别查看', () => ctx.router.home(), { cls: 'chip', iconName: 'home' }))),
    applyGuide());
}
