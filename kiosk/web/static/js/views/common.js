// common.js holds pieces several screens share: the validity mark of a
// document and the way to apply for information that is not published.

import { h, icon, button } from '../dom.js';
import { VALIDITY_NOTES, isCurrent } from '../text.js';

// validityBadge marks a repealed, expired or amended document with an icon
// and words, never by colour alone. Current documents get no badge.
export function validityBadge(validity) {
  if (isCurrent(validity)) return null;
  const note = VALIDITY_NOTES[validity] || { badge: validity };
  return h('span', { class: 'badge badge-bad', dataset: { validity } }, icon('ban'), h('span', { text: note.badge }));
}

// replacementOf returns the document that replaced an item, in whatever
// shape the server gives it ({id,title,doc_number} or a bare id).
export function replacementOf(item) {
  const r = item.replacement || item.replaced_by;
  if (r && typeof r === 'object' && r.id) return r;
  if (typeof r === 'number' && r > 0) return { id: r };
  return null;
}

// replacementButton links to the document in force instead of a repealed one.
export function replacementButton(ctx, repl) {
  const name = repl.title ? `《${repl.title}》${repl.doc_number ? '（' + repl.doc_number + '）' : ''}` : '现行文件';
  return button(`已被${name}替代，点此查看`, () => ctx.router.go('doc', { id: repl.id }),
    { cls: 'btn btn-link replacement', iconName: 'next', dataset: { replacement: repl.id } });
}

// kindBadge names the kind of a document in words.
export function kindBadge(name) {
  return name ? h('span', { class: 'badge badge-kind', text: name }) : null;
}

// applyGuide tells a citizen how to ask for information that is not on the
// kiosk (依申请公开) and where to call.
export function applyGuide() {
  return h('section', { class: 'apply', 'aria-labelledby': 'apply-title', 'data-speak': '' },
    h('h2', { id: 'apply-title', class: 'section-title', text: '没有公开的信息，可以申请公开' }),
    h('ol', { class: 'steps' },
      h('li', { text: '到本服务大厅的“依申请公开”窗口，领取并填写《政府信息公开申请表》。工作人员可以帮您填写。' }),
      h('li', { text: '写清楚：您的姓名和联系方式（带上身份证），想要哪份信息（文件名称、文号或者大概内容）。' }),
      h('li', { text: '也可以在政府网站上申请，或者写信申请。' }),
      h('li', { text: '政府部门一般在收到申请后 20 个工作日内答复您；情况复杂的，最多再延长 20 个工作日。' })),
    h('div', { class: 'hotline' }, icon('phone', 'icon hotline-icon'),
      h('span', {}, '不清楚找哪个部门？请拨打政务公开咨询电话 ', h('strong', { class: 'hotline-number', text: '96128' }))));
}

// notFound is shown when a search finds nothing.
export function notFound(ctx, q) {
  return h('div', { class: 'notfound', id: 'notfound' },
    h('div', { class: 'notice notice-warn', role: 'status', 'data-speak': '' }, icon('search'),
      h('p', { text: q ? `没有找到与“${q}”有关的文件。` : '这里暂时没有文件。' })),
    h('div', { class: 'notfound-try' },
      h('h2', { class: 'section-title', text: '您可以试试' }),
      h('div', { class: 'chips' },
        button('换个说法重新搜索', () => ctx.router.go('search', { q: '' }), { cls: 'chip', iconName: 'search' }),
        button('按类别查看全部文件', () => ctx.router.home(), { cls: 'chip', iconName: 'home' }))),
    applyGuide());
}
