// desk.js is the liaison's desk: the filter buttons over the list, and a
// notice (with a reload) when a query reaches the department meanwhile.

import { on } from './console.js';

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
