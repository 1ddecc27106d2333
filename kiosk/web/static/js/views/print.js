// print.js is the print button of a document. It follows the printer state
// the server reports in the heartbeat: no printer, a printer that cannot
// print now (out of paper, cover open …), or one that is ready.

import { h, button } from '../dom.js';
import { newIdempotencyKey } from '../api.js';

// printerOf returns what the kiosk knows of its printer.
function printerOf(ctx) {
  const c = ctx.state.config;
  return c && c.printer ? c.printer : null;
}

const FAILED = '打印没有成功，您可以用手机扫描二维码带走文件，或请工作人员帮忙。';
const OFFLINE = '网络已断开，暂时不能打印。请用手机扫描二维码带走文件。';

// printMessage explains the answer of a print request in one plain
// sentence with the QR alternative. The server's failure text is already
// such a sentence; printer addresses and advice for staff never reach it.
function printMessage(r) {
  if (r.status === 0) return { title: '网络已断开', text: OFFLINE };
  if (r.status === 404 || r.status === 405 || r.status === 501 || r.status === 503) return { title: '本机暂不能打印', text: '打印功能还没有开通，请用手机扫描二维码带走文件。' };
  if (r.status === 429) return { title: '请稍等', text: '打印太频繁了，请稍等一会儿再试。' };
  // A failed job (502) carries the server's sentence for citizens.
  if (!r.ok) return { title: '打印没有成功', text: (r.status === 502 && r.error) || FAILED };
  const job = r.data || {};
  if (job.status === 'failed' || job.error) return { title: '打印没有成功', text: job.error || FAILED };
  return { title: '正在打印', text: '请在出纸口取走打印的文件，上面有二维码，手机扫码可以看全文。', ok: true };
}

async function doPrint(ctx, doc, btn, q) {
  const p = printerOf(ctx);
  if (!ctx.api.online) {
    ctx.dialog('网络已断开', OFFLINE);
    return;
  }
  if (!p || !p.can_print) {
    ctx.dialog('打印机暂不可用', (p && p.message) || '请用手机扫描二维码带走文件，或请工作人员帮忙。');
    return;
  }
  btn.disabled = true;
  btn.querySelector('.btn-label').textContent = '正在打印……';
  const r = await ctx.api.post(`/api/v1/terminals/${ctx.state.config.id}/print`, { document_id: doc.id }, { device: true, timeout: 30000, key: newIdempotencyKey() });
  const m = printMessage(r);
  if (m.ok) {
    ctx.api.event('print', { document_id: doc.id });
    if (q) ctx.api.post('/api/v1/search/clicks', { query: q, document_id: doc.id, action: 'print' }, { device: true });
  }
  // A failed job tells the server the printer's state (no paper …): fetch
  // it first, so that the button shows it when the message is closed.
  await Promise.race([ctx.refreshConfig(), new Promise((resolve) => setTimeout(resolve, 3000))]);
  document.dispatchEvent(new CustomEvent('kiosk:config'));
  ctx.dialog(m.title, m.text);
}

// printAction returns the print area of a document, which follows the
// printer state as the server reports it. q is the search the document was
// found with, if any.
export function printAction(ctx, doc, q) {
  const area = h('div', { class: 'print-area', id: 'print-area' });
  const render = () => area.replaceChildren(printContent(ctx, doc, q));
  const onConfig = () => {
    if (area.isConnected) render();
    else document.removeEventListener('kiosk:config', onConfig);
  };
  document.addEventListener('kiosk:config', onConfig);
  render();
  return area;
}

// printContent is the print button, or why there is none.
function printContent(ctx, doc, q) {
  const p = printerOf(ctx);
  if (!p || !p.configured) {
    return h('p', { class: 'print-note', id: 'print-note', text: '本机没有打印机。请用手机扫描二维码带走文件。' });
  }
  if (!ctx.api.online || !p.can_print) {
    return h('div', { class: 'print-box' },
      h('button', { type: 'button', class: 'btn btn-disabled btn-wide', id: 'print', disabled: true, 'aria-disabled': 'true' },
        h('span', { text: ctx.api.online ? '打印机暂不可用' : '网络断开，不能打印' })),
      h('p', { class: 'print-note', text: ctx.api.online ? p.message || '请用手机扫描二维码带走文件。' : OFFLINE }));
  }
  const btn = button('打印这份文件', null, { cls: 'btn btn-primary btn-wide', iconName: 'print', id: 'print' });
  btn.addEventListener('click', () => doPrint(ctx, doc, btn, q));
  return h('div', { class: 'print-box' }, btn, h('p', { class: 'print-note', text: '打印的纸条上有二维码和文号，方便以后查找。' }));
}
