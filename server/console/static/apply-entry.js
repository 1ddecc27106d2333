// apply-entry.js is the form of 登记申请: it shows the fields of the
// applicant type and of the channel chosen, posts the application to
// POST /api/v1/staff/applications, puts the server's error next to its
// field, and shows the 查询码 and due date with a receipt to print.

import { api, showErrors, clearErrors } from './console.js';

const form = document.getElementById('entry-form');
const result = document.getElementById('entry-result');

const FIELDS = ['channel', 'received_on', 'applicant_type', 'name', 'id_type', 'id_number', 'credit_code', 'contact_person',
  'phone', 'address', 'email', 'department', 'information', 'purpose', 'delivery', 'pickup'];

const group = () => (form.elements.applicant_type.value === 'natural' ? 'natural' : 'org');

// show hides the fields that do not apply (and they are not sent).
function show() {
  const g = group();
  for (const el of form.querySelectorAll('[data-group]')) el.hidden = el.dataset.group !== g;
  const post = form.elements.channel.value === 'post';
  for (const el of form.querySelectorAll('[data-when="post"]')) el.hidden = !post;
}

function body() {
  const out = {};
  for (const name of FIELDS) {
    const el = form.elements[name];
    const wrap = el && el.closest('.field');
    out[name] = el && !(wrap && wrap.hidden) ? el.value.trim() : '';
  }
  if (!out.received_on) delete out.received_on;
  return out;
}

const dateText = (s) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s || '');
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : s || '';
};
const grouped = (code) => String(code).replace(/(\d{4})(?=\d)/g, '$1 ');

function done(r, sent) {
  const d = r.data;
  const due = dateText(d.due_date) + '前' + (d.provisional ? '（暂定）' : '');
  document.getElementById('entry-code').textContent = grouped(d.code);
  document.getElementById('entry-department').textContent = d.department || '';
  document.getElementById('entry-due').textContent = due;
  document.getElementById('entry-open').href = '/console/applications/' + encodeURIComponent(d.code);
  document.getElementById('receipt-code').textContent = grouped(d.code);
  document.getElementById('receipt-department').textContent = d.department || '';
  document.getElementById('receipt-received').textContent = dateText(sent.received_on || new Date().toISOString());
  document.getElementById('receipt-due').textContent = due;
  form.hidden = true;
  result.hidden = false;
  result.focus();
}

form.addEventListener('change', (e) => {
  if (e.target.name === 'applicant_type' || e.target.name === 'channel') show();
});

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  clearErrors(form);
  const btn = document.getElementById('entry-submit');
  btn.disabled = true;
  const sent = body();
  const r = await api('POST', '/api/v1/staff/applications', sent);
  btn.disabled = false;
  if (!r.ok) {
    // A field of the other applicant type is shown again to be corrected.
    const input = r.field && form.elements[r.field];
    const wrap = input && input.closest && input.closest('.field');
    if (wrap) wrap.hidden = false;
    showErrors(form, r);
    return;
  }
  done(r, sent);
});

document.getElementById('entry-print').addEventListener('click', () => window.print());
document.getElementById('entry-next').addEventListener('click', () => {
  form.reset();
  show();
  result.hidden = true;
  form.hidden = false;
  form.elements.name.focus();
});

show();
