// doc.js shows one document: its metadata, the 废止 mark with a link to the
// document in force, the text, its interpretation (解读) beside it in
// landscape and below it in portrait, a QR code to take it away on a
// phone, and a print button that follows the printer's state.

import { h, icon, button } from '../dom.js';
import { renderBody } from '../markdown.js';
import { KIND_NAMES, VALIDITY_NOTES, formatDate, isCurrent } from '../text.js';
import { validityBadge, replacementOf, replacementButton, kindBadge, applyGuide } from './common.js';
import { printAction } from './print.js';
import { pager } from './pager.js';

function meta(doc) {
  const rows = [
    ['索引号', doc.index_no], ['文号', doc.doc_number], ['发文机关', doc.agency],
    ['成文日期', formatDate(doc.written_at)], ['发布日期', formatDate(doc.published_at)],
    ['是否有效', isCurrent(doc.validity) ? '有效' : (VALIDITY_NOTES[doc.validity] || { badge: doc.validity }).badge],
  ].filter(([, v]) => v);
  return h('dl', { class: 'meta' }, rows.map(([k, v]) => h('div', { class: 'meta-row' }, h('dt', { text: k }), h('dd', { text: v }))));
}

function validityNotice(ctx, doc) {
  if (isCurrent(doc.validity)) return null;
  const note = VALIDITY_NOTES[doc.validity] || { line: `本文件状态：${doc.validity}。` };
  const repl = replacementOf(doc);
  return h('div', { class: 'notice notice-bad', role: 'note', id: 'validity-notice', 'data-speak': '' },
    icon('ban', 'icon notice-icon'),
    h('div', {}, h('p', { class: 'notice-title', text: note.line }),
      repl ? replacementButton(ctx, repl) : h('p', { text: '想了解现在的规定，请拨打政务公开咨询电话 96128。' })));
}

function replacesNote(ctx, doc) {
  if (!doc.replaces || !doc.replaces.length) return null;
  return h('div', { class: 'replaces' }, h('p', { text: '本文件代替了以下旧文件：' }),
    h('div', { class: 'chips' }, doc.replaces.map((r) =>
      button(`《${r.title}》`, () => ctx.router.go('doc', { id: r.id }), { cls: 'chip chip-doc', iconName: 'doc' }))));
}

function bodyOf(ctx, doc) {
  if (doc.disclosure === '依申请公开') {
    return h('div', { class: 'doc-text' },
      h('p', { class: 'notice', 'data-speak': '', text: `本信息属于依申请公开，不在这里显示全文。您可以向${doc.agency || '发文机关'}申请公开。` }),
      button('申请获取这份文件', () => ctx.router.go('apply', { doc: { title: doc.title, doc_number: doc.doc_number, index_no: doc.index_no, agency: doc.agency } }),
        { cls: 'btn btn-primary btn-wide apply-doc', iconName: 'next', id: 'apply-doc' }),
      applyGuide());
  }
  const text = h('div', { class: 'doc-text', 'data-speak': '' });
  text.appendChild(renderBody(doc.body || ''));
  return text;
}

// sidePanel loads the interpretation of a policy, or the policy an
// interpretation explains, into a panel beside the text.
function sidePanel(ctx, doc, alive) {
  const links = doc.interpretations && doc.interpretations.length ? doc.interpretations : doc.explains ? [doc.explains] : [];
  if (!links.length) return null;
  const isInterp = !(doc.interpretations && doc.interpretations.length);
  const content = h('div', { class: 'side-content' }, h('p', { class: 'loading', text: '正在打开……' }));
  const load = async (link) => {
    const r = await ctx.api.get(`/api/v1/documents/${link.id}`);
    if (!alive()) return;
    if (!r.ok) {
      content.replaceChildren(h('p', { class: 'notice', text: '暂时无法打开，请稍后再试。' }));
      return;
    }
    const d = r.data;
    content.replaceChildren(...[
      h('h3', { class: 'side-doc-title', text: d.title }),
      validityBadge(d.validity),
      h('div', { class: 'doc-text', 'data-speak': '' }, renderBody(d.body || '')),
      button('单独打开这份文件', () => ctx.router.go('doc', { id: d.id }), { cls: 'btn btn-secondary', iconName: 'doc' }),
    ].filter(Boolean));
  };
  const tabs = links.length > 1 ? h('div', { class: 'chips tabs' }, links.map((l, i) =>
    button(l.title, () => load(l), { cls: 'chip', dataset: { tab: i } }))) : null;
  load(links[0]);
  // The panel scrolls on its own in landscape: it can take keyboard focus.
  return h('aside', { class: 'doc-side', id: 'doc-side', tabindex: '0', 'aria-labelledby': 'side-title' },
    h('h2', { id: 'side-title', class: 'side-title' }, icon(isInterp ? 'doc' : 'help'), isInterp ? '这份解读对应的政策文件' : '政策解读（帮您读懂这份文件）'),
    tabs, content);
}

function qrFigure(doc) {
  const src = doc.qr_svg || doc.qr_png;
  if (!src) return null;
  const fig = h('figure', { class: 'qr', id: 'qr' });
  const img = h('img', { src: new URL(src, location.href).pathname, alt: '本文件的二维码', width: '240', height: '240' });
  img.addEventListener('error', () => {
    fig.hidden = true;
  });
  fig.append(img, h('figcaption', { text: '用手机扫一扫，带走这份文件' }));
  return fig;
}

export async function doc(ctx, params, alive) {
  const r = await ctx.api.get(`/api/v1/documents/${encodeURIComponent(params.id)}`);
  if (!r.ok) {
    const text = r.status === 404 ? '没有找到这份文件，它可能已经撤下。' : r.status === 0 || r.offline
      ? '网络已断开，这份文件没有保存在本机，暂时打不开。' : r.error || '文件打开失败，请稍后再试。';
    return h('div', { class: 'notice notice-warn', role: 'alert' }, icon('warn'), h('p', { text }));
  }
  const d = r.data;
  if (!params.logged) {
    params.logged = true;
    ctx.api.event(r.offline ? 'offline_view' : 'view', { document_id: d.id });
    // Opening a result teaches the search what citizens meant by the query.
    if (params.q && !r.offline) ctx.api.post('/api/v1/search/clicks', { query: params.q, document_id: d.id, action: 'open' }, { device: true });
    ctx.state.viewed = [{ id: d.id, title: d.title }, ...ctx.state.viewed.filter((v) => v.id !== d.id)].slice(0, 8);
  }
  const side = sidePanel(ctx, d, alive);
  // In portrait the side panel comes after the whole text: offer a jump.
  const jump = side ? button(d.interpretations && d.interpretations.length ? '看政策解读' : '看对应的政策文件',
    () => side.scrollIntoView({ block: 'start' }), { cls: 'btn btn-secondary jump-side', iconName: 'doc' }) : null;
  // In landscape the text and the 解读 scroll in boxes of their own, each
  // with its page buttons; in portrait the whole screen scrolls, with one
  // pair of page buttons that stays at the bottom.
  const body = h('article', { class: 'doc-body', id: 'doc-body', tabindex: '0', 'aria-labelledby': 'doc-title' }, bodyOf(ctx, d));
  const main = document.getElementById('main');
  return h('div', { class: side ? 'doc-view with-side' : 'doc-view', dataset: { id: d.id } },
    h('header', { class: 'doc-head' },
      h('div', { class: 'result-badges' }, kindBadge(d.kind_name || KIND_NAMES[d.kind]), validityBadge(d.validity)),
      h('h1', { class: 'doc-title', id: 'doc-title', 'data-speak': '', text: d.title }),
      meta(d), validityNotice(ctx, d), replacesNote(ctx, d), jump),
    h('aside', { class: 'doc-actions' }, qrFigure(d), printAction(ctx, d, params.q)),
    body, pager(body, '正文', 'body-pager'),
    side, side ? pager(side, '解读', 'side-pager') : null,
    pager(main, '本页', 'page-pager'));
}
