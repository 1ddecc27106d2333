// report-annual.js: the annual report desk. A number of table 三 becomes a
// button that lists the applications counted in its cell (the reviewer's
// "which ones?"); publishing shows the catalog document it became.
import { api } from './console.js';

const table = document.getElementById('table3');
const list = document.getElementById('cell-list');

function td(text) {
  const c = document.createElement('td');
  c.textContent = text || '';
  return c;
}

async function showCell(button, cell) {
  for (const b of table.querySelectorAll('button.cell[aria-pressed="true"]')) b.setAttribute('aria-pressed', 'false');
  button.setAttribute('aria-pressed', 'true');
  const q = new URLSearchParams({ department: table.dataset.department, row: cell.dataset.row, column: cell.dataset.col });
  const r = await api('GET', `/api/v1/staff/reports/annual/${table.dataset.year}/cells?${q}`);
  const title = document.getElementById('cell-title');
  const body = list.querySelector('tbody');
  body.replaceChildren();
  list.hidden = false;
  if (!r.ok) {
    title.textContent = r.error;
    title.focus();
    return;
  }
  const row = cell.closest('tr').querySelector('th[scope="row"]').textContent;
  title.textContent = `${row} · ${button.dataset.label}：${r.data.total} 件`;
  for (const a of r.data.items) {
    const tr = document.createElement('tr');
    tr.append(td(a.code), td(a.department), td(a.applicant), td(a.received_on), td(a.result || '尚未办结'), td(a.decided_on), td(a.information));
    body.appendChild(tr);
  }
  title.focus();
}

if (table && list) {
  const heads = ['自然人', '商业企业', '科研机构', '社会公益组织', '法律服务机构', '其他', '总计'];
  const columns = ['natural', 'commercial', 'research', 'public_welfare', 'legal_service', 'other', 'total'];
  for (const cell of table.querySelectorAll('td[data-row]')) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'cell';
    b.textContent = cell.textContent;
    b.dataset.label = heads[columns.indexOf(cell.dataset.col)] || cell.dataset.col;
    b.setAttribute('aria-pressed', 'false');
    b.setAttribute('aria-label', `${cell.closest('tr').querySelector('th[scope="row"]').textContent}，${b.dataset.label}：${cell.textContent} 件，查看申请`);
    b.addEventListener('click', () => showCell(b, cell));
    cell.replaceChildren(b);
  }
}

const publish = document.getElementById('publish-form');
if (publish) {
  publish.addEventListener('api:done', (e) => {
    const p = e.detail.data;
    const msg = document.createElement('p');
    msg.className = 'form-ok';
    msg.setAttribute('role', 'status');
    msg.append(`已${p.revision ? '作为修订' : ''}提交初审（审核单 ${p.case_id}）。`);
    const a = document.createElement('a');
    a.href = `/console/documents/${p.document_id}`;
    a.textContent = '查看文件与审核进度';
    msg.append(a);
    publish.appendChild(msg);
  });
}
