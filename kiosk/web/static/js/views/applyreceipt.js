// applyreceipt.js prints the receipt (回执) of a submitted application on
// the kiosk's printer: the 查询码, the department, the due date and a QR
// code of the status page, never the applicant's personal data. Like the
// document print button it follows the printer state the server reports.

import { h, button } from '../dom.js';
import { newIdempotencyKey } from '../api.js';

function printerOf(ctx) {
  const c = ctx.state.config;
  return c && c.printer ? c.printer : null;
}

function message(r) {
  if (r.status === 0) return { title: '网络已断开', text: '网络已断开，暂时不能打印。请记下屏幕上的查询码。' };
  if (r.status === 429) return { title: '请稍等', text: '打印太频繁了，请稍等一会儿再试。' };
  if (!r.ok) return { title: '打印没有成功', text: (r.status === 502 && r.error) || '打印没有成功，请记下屏幕上的查询码，或请工作人员帮忙。' };
  return { title: '正在打印回执', text: '请在出纸口取走回执，上面有查询码和答复期限。', ok: true };
}

async function doPrint(ctx, done, btn) {
  const p = printerOf(ctx);
  if (!ctx.api.online || !p || !p.can_print) {
    ctx.dialog('打印机暂不可用', '请记下屏幕上的查询码，或请工作人员帮忙。');
    return;
  }
  btn.disabled = true;
  btn.querySelector('.btn-label').textContent = '正在打印……';
  const r = await ctx.api.post(`/api/v1/terminals/${ctx.state.config.id}/receipt`, { code: done.code }, { device: true, timeout: 30000, key: newIdempotencyKey() });
  const m = message(r);
  await Promise.race([ctx.refreshConfig(), new Promise((resolve) => setTimeout(resolve, 3000))]);
  document.dispatchEvent(new CustomEvent('kiosk:config'));
  ctx.dialog(m.title, m.text);
}

function content(ctx, done) {
  const p = printerOf(ctx);
  if (!p || !p.configured) return h('p', { class: 'print-note', id: 'receipt-note', text: '本机没有打印机，请记下或拍照保存查询码。' });
  if (!ctx.api.online || !p.can_print) {
    return h('div', { class: 'print-box' },
      h('button', { type: 'button', class: 'btn btn-disabled btn-wide', id: 'apply-receipt', disabled: true, 'aria-disabled': 'true' },
        h('span', { text: ctx.api.online ? '打印机暂不可用' : '网络断开，不能打印' })),
      h('p', { class: 'print-note', text: '请记下或拍照保存查询码。' }));
  }
  const btn = button('打印回执', null, { cls: 'btn btn-primary btn-wide', iconName: 'print', id: 'apply-receipt' });
  btn.addEventListener('click', () => doPrint(ctx, done, btn));
  return h('div', { class: 'print-box' }, btn, h('p', { class: 'print-note', text: '回执上有查询码和答复期限，不印您的个人信息。' }));
}

// receiptAction is the receipt area; it follows the printer state.
export function receiptAction(ctx, done) {
  const area = h('div', { class: 'print-area', id: 'receipt-area' });
  const render = () => area.replaceChildren(content(ctx, done));
  const onConfig = () => {
    if (area.isConnected) render();
    else document.removeEventListener('kiosk:config', onConfig);
  };
  document.addEventListener('kiosk:config', onConfig);
  render();
  return area;
}
