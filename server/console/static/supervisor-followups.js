// supervisor-followups.js is the page of 回访 and 回拨: each button asks
// govhall to place the call (POST /api/v1/callbacks with the query's code
// or the call's id, never a number) and the status line follows it live
// (callback events): the staff member's phone rings, the citizen's number
// is dialled, they talk, the citizen rates, the call ends. The settings
// page shares it for its saved message.

import { api } from './console.js';

const $ = (id) => document.getElementById(id);
const STAGE_TEXT = { ringing_staff: '正在呼叫您的话机，请接听', ringing_citizen: '正在拨打对方号码', talking: '通话中（录音）', survey: '对方正在评价' };
const RESULT_TEXT = { reached: '已接通', staff_no_answer: '您的话机没有接听', no_answer: '对方无人接听', busy: '对方占线', failed: '未能拨出' };

let current = '';

async function place(body, label) {
  const status = $('callback-status');
  status.hidden = false;
  for (const b of document.querySelectorAll('[data-followup], [data-callback]')) b.disabled = true;
  const r = await api('POST', '/api/v1/callbacks', body);
  for (const b of document.querySelectorAll('[data-followup], [data-callback]')) b.disabled = false;
  if (!r.ok) {
    status.dataset.state = 'error';
    status.textContent = `没有拨出${label}：${r.error}`;
    return;
  }
  current = String(r.data.id);
  status.dataset.callback = current;
  status.dataset.state = 'ringing_staff';
  status.textContent = `${label} ${r.data.number}：${STAGE_TEXT.ringing_staff}`;
}

for (const b of document.querySelectorAll('[data-followup]')) {
  b.addEventListener('click', () => place({ kind: 'followup', query_code: b.dataset.followup }, '回访'));
}
for (const b of document.querySelectorAll('[data-callback]')) {
  b.addEventListener('click', () => place({ kind: 'callback', call_id: Number(b.dataset.callback) }, '回拨'));
}

const es = window.govhallStream;
if (es) {
  es.addEventListener('callback', (ev) => {
    let d = {};
    try { d = JSON.parse(ev.data); } catch { return; }
    if (String(d.callback_id) !== current) return;
    const status = $('callback-status');
    status.replaceChildren();
    if (d.stage === 'ended') {
      status.dataset.state = d.outcome;
      const a = document.createElement('a');
      a.href = location.pathname;
      a.textContent = '刷新列表，记录情况';
      status.append(`${d.caller}：${RESULT_TEXT[d.outcome] || d.outcome}。`, a);
      return;
    }
    status.dataset.state = d.stage;
    status.textContent = `${d.caller}：${STAGE_TEXT[d.stage] || d.stage}`;
  });
}

const settings = $('settings-form');
if (settings) {
  settings.addEventListener('api:done', () => {
    const p = document.createElement('p');
    p.className = 'form-ok';
    p.setAttribute('role', 'status');
    p.textContent = '设置已保存';
    settings.append(p);
  });
}
