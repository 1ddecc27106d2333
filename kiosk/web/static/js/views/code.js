// code.js checks a question asked on the 96128 hotline or at a window by
// its 查询码, entered on a big numeric pad.

import { h, icon, button } from '../dom.js';
import { numberPad, editText } from '../keyboard.js';
import { formatDateTime, statusName } from '../text.js';

// A 查询码 has ten digits (the last a check digit); the server says when
// one is mistyped.
const MAX_DIGITS = 12;

function errorText(r) {
  if (r.status === 404) return '未找到该查询码，请核对后重新输入。';
  if (r.status === 429) return '查询次数太多了，请等几分钟再试。';
  if (r.status === 0 || r.offline) return '网络已断开，暂时无法查询，请稍后再试。';
  if (r.status === 400) return r.error || '查询码不正确，请核对后重新输入。';
  return '查询没有成功，请稍后再试，或拨打 96128 咨询。';
}

function row(label, value) {
  return value ? h('div', { class: 'meta-row' }, h('dt', { text: label }), h('dd', { text: value })) : null;
}

// answersOf lists the answers of a query (one per department when several
// departments answered).
function answersOf(q) {
  if (Array.isArray(q.answers) && q.answers.length) {
    return q.answers.map((a) => ({ who: a.department, text: a.answer }));
  }
  return q.answer ? [{ who: '', text: typeof q.answer === 'string' ? q.answer : q.answer.text || '' }] : [];
}

function statusView(q) {
  const history = Array.isArray(q.history) ? q.history : [];
  const answers = answersOf(q);
  return h('div', { class: 'query-status', id: 'query-status', 'data-speak': '' },
    h('h2', { class: 'section-title' }, icon('check'), `查询码 ${q.code}：${q.status_text || statusName(q.status)}`),
    q.overdue ? h('p', { class: 'notice notice-warn' }, icon('warn'), '已超过答复期限。您可以拨打 96128 用查询码投诉。') : null,
    h('dl', { class: 'meta' },
      row('办理部门', q.department), row('受理时间', formatDateTime(q.accepted_at)),
      row('答复期限', formatDateTime(q.due_at) + (q.provisional ? '（暂定）' : '')), row('您的问题', q.question)),
    q.explanation ? h('p', { text: q.explanation }) : null,
    answers.length ? h('div', { class: 'answer' }, h('h3', { text: '答复内容' }),
      answers.map((a) => h('p', { text: a.who ? `${a.who}：${a.text}` : a.text }))) : null,
    history.length ? h('div', { class: 'history' }, h('h3', { text: '办理经过' }),
      h('ol', { class: 'steps' }, history.map((e) => h('li', {},
        [formatDateTime(e.at || e.time), e.text || statusName(e.status || e.event), e.department].filter(Boolean).join('　'))))) : null,
    h('p', { class: 'tip', text: '对答复不满意，可以拨打 96128 用查询码投诉。' }));
}

export async function code(ctx, params = {}) {
  // An application just submitted opens this screen with its code.
  let value = String(params.code || '').replace(/\D/g, '').slice(0, MAX_DIGITS);
  const display = h('output', { class: 'code-display', id: 'code-display', 'aria-live': 'polite' });
  const result = h('div', { class: 'code-result', id: 'code-result', role: 'status' });
  const show = () => {
    display.textContent = value.replace(/(\d{4})(?=\d)/g, '$1 ') || '请输入查询码';
    display.classList.toggle('empty', !value);
  };
  const check = async () => {
    if (!value) {
      result.replaceChildren(h('p', { class: 'notice', text: '请先用数字键输入查询码。' }));
      return;
    }
    result.replaceChildren(h('p', { class: 'loading', text: '正在查询……' }));
    const r = await ctx.api.get(`/api/v1/queries/${encodeURIComponent(value)}`, { content: false });
    ctx.api.event('query_check');
    result.replaceChildren(r.ok && r.data ? statusView(r.data)
      : h('div', { class: 'notice notice-warn', role: 'alert' }, icon('warn'), h('p', { text: errorText(r) })));
  };
  const onKey = (k) => {
    value = editText(value, k, MAX_DIGITS);
    show();
  };
  show();
  if (value) setTimeout(check, 0);
  return h('div', { class: 'code' },
    h('div', { class: 'code-entry' },
      h('h1', { class: 'page-title', 'data-speak': '', text: '查询办理进度' }),
      h('p', { class: 'lead', 'data-speak': '', text: '请输入 96128 热线或办事窗口给您的查询码。' }),
      display, numberPad(onKey),
      button('查询', check, { cls: 'btn btn-primary btn-wide', iconName: 'search', id: 'code-submit' })),
    result);
}
