// desk.js is the liaison's desk: the filter buttons over the list, and a
// notice (with a reload) when a query reaches the department meanwhile.

import { api, on } from './console.js';

function wireFilter() {
  const bar = document.getElementById('desk-filter');
  const rows = [...document.querySelectorAll('#desk tbody tr')];
  if (!bar) return;
  const match = {
    all: () => true,
    unsigned: (r) => r.dataset.signed === 'false',
    red: (r) => r.dataset.light === 'red',
    amber: (r) => r.dataset.light === 'amber',
    stopped: (r) => r.dataset.light === 'stopped',
    pending: (r) => r.dataset.pending !== '',
  };
  for (const b of bar.querySelectorAll('[data-filter]')) {
    b.addEventListener('click', () => {
      for (const o of bar.querySelectorAll('[data-filter]')) o.setAttribute('aria-pressed', String(o === b));
      for (const r of rows) r.hidden = !match[b.dataset.filter](r);
    });
  }
}

function newWork() {
  const head = document.querySelector('.page-head');
  if (!head || document.getElementById('new-work')) return;
  const p = document.createElement('p');
  p.id = 'new-work';
  p.className = 'notice';
  p.setAttribute('role', 'status');
  p.append('有新的查询单或审批到达。');
  const a = document.createElement('a');
  a.href = location.pathname + location.search;
  a.textContent = '刷新列表';
  p.append(a);
  head.appendChild(p);
}

wireFilter();
for (const k of ['query_assigned', 'query_due_soon', 'query_overdue', 'query_approval']) on(k, newWork);

// A call transferred to me pops up like the operator's: who transferred
// it, the operator's notes and the caller's history.
const me = Number(document.body.dataset.me || 0);
let incomingCall = 0;
async function incoming(d) {
  if (d.account_id !== me) return;
  incomingCall = d.call_id;
  const box = document.getElementById('incoming');
  if (!box) return;
  box.hidden = false;
  document.getElementById('incoming-status').textContent = `来电 ${d.caller || '未知号码'} 正在转接到您的话机（分机 ${d.extension}），请在话机上接听。`;
  const items = [];
  const notes = await api('GET', `/api/v1/calls/${d.call_id}/notes`);
  for (const n of (notes.ok && notes.data.items) || []) items.push(`话务员 ${n.by} 备注：${n.note}`);
  const hist = await api('GET', `/api/v1/staff/callers/${encodeURIComponent(d.caller)}?except=${d.call_id}`);
  for (const q of (hist.ok && hist.data.queries) || []) items.push(`查询码 ${q.code}：${q.status_text}，${q.question}`);
  if (!items.length) items.push('这个号码以前没有查询单，话务员没有留备注。');
  document.getElementById('incoming-history').replaceChildren(...items.map((t) => Object.assign(document.createElement('li'), { textContent: t })));
}
on('transfer_ringing', incoming);
on('transfer_answered', (d) => {
  if (d.account_id !== me) return;
  document.getElementById('incoming-status').textContent = `通话中：来电 ${d.caller || ''}`;
});
on('ended', (d) => {
  const s = document.getElementById('incoming-status');
  if (s && d.call_id === incomingCall) s.textContent += '（通话已结束）';
});
