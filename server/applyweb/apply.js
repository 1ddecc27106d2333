// apply.js makes the application form better where scripts run: only the
// fields of the chosen applicant type show, the form is posted as JSON to
// POST /api/v1/applications, and an error appears next to the field it
// names, with the focus on that field. Without it the form still posts
// to /apply and the page comes back with the same errors.

const form = document.getElementById('apply-form');

const GROUP_FIELDS = { natural: ['id_type', 'id_number'], org: ['credit_code', 'contact_person'] };

function applicantGroup() {
  const t = form.elements.applicant_type.value;
  return !t ? '' : t === 'natural' ? 'natural' : 'org';
}

// showGroups shows the identity fields of the chosen applicant type only.
function showGroups() {
  const g = applicantGroup();
  for (const el of form.querySelectorAll('fieldset[data-group]')) el.hidden = el.dataset.group !== g;
}

function clearErrors() {
  for (const el of form.querySelectorAll('.error')) {
    el.textContent = '';
    el.hidden = true;
  }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  document.getElementById('form-error').hidden = true;
}

// showError puts the server's message next to its field and moves the
// focus there; a message without a field goes above the form.
function showError(field, message) {
  const slot = field && document.getElementById('err-' + field);
  const summary = document.getElementById('form-error');
  if (!slot) {
    document.getElementById('form-error-text').textContent = '提交没有成功：' + message;
    summary.hidden = false;
    summary.focus();
    return;
  }
  slot.textContent = '错误：' + message;
  slot.hidden = false;
  const input = form.elements[field];
  const target = input instanceof RadioNodeList ? input[0] : input;
  if (target && !(input instanceof RadioNodeList)) target.setAttribute('aria-invalid', 'true');
  const group = slot.closest('fieldset[data-group]');
  if (group) group.hidden = false;
  if (target) target.focus();
}

// payload is the JSON of POST /api/v1/applications; the identity fields
// of the other applicant type are left out.
function payload() {
  const out = { channel: 'web' };
  const g = applicantGroup();
  for (const name of ['applicant_type', 'name', 'id_type', 'id_number', 'credit_code', 'contact_person', 'phone',
    'email', 'address', 'department', 'information', 'purpose', 'delivery', 'pickup']) {
    const el = form.elements[name];
    out[name] = el ? String(el.value || '').trim() : '';
  }
  for (const [group, names] of Object.entries(GROUP_FIELDS)) {
    if (g !== group) for (const n of names) out[n] = '';
  }
  return out;
}

function showDone(res) {
  document.getElementById('done-code').textContent = res.code;
  document.getElementById('done-department').textContent = res.department || '';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(res.due_date || '');
  document.getElementById('done-due').textContent = (m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : res.due_date || '') +
    '前' + (res.provisional ? '（暂定）' : '');
  document.getElementById('done-status').href = '/apply/status?code=' + encodeURIComponent(res.code);
  form.hidden = true;
  document.getElementById('apply-intro').hidden = true;
  document.getElementById('page-title').textContent = '申请已提交';
  document.title = '申请已提交 - 政府信息公开';
  const done = document.getElementById('apply-done');
  done.hidden = false;
  done.setAttribute('tabindex', '-1');
  done.focus();
  window.scrollTo(0, 0);
}

// sent is the last submission's body and Idempotency-Key.
let sent = null;

// newKey returns a random UUID; crypto.randomUUID needs HTTPS.
function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

// post sends the application once; null when no answer came.
async function post(body, key) {
  try {
    return await fetch('/api/v1/applications', {
      method: 'POST', body, credentials: 'same-origin', cache: 'no-store',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Idempotency-Key': key },
    });
  } catch {
    return null;
  }
}

async function submit(e) {
  e.preventDefault();
  clearErrors();
  const btn = document.getElementById('apply-submit');
  btn.disabled = true;
  btn.textContent = '正在提交……';
  const body = JSON.stringify(payload());
  // One Idempotency-Key per content submitted: a retry after a lost
  // answer (the one below, or pressing 提交 again) is applied once.
  if (!sent || sent.body !== body) sent = { body, key: newKey() };
  let res = await post(body, sent.key);
  if (!res) res = await post(body, sent.key);
  const data = res ? await res.json().catch(() => null) : null;
  btn.disabled = false;
  btn.textContent = '提交申请';
  if (res && res.ok && data && data.code) {
    showDone(data);
    return;
  }
  if (!res) {
    showError('', '网络连接失败，请检查网络后再试。');
    return;
  }
  let msg = (data && data.error) || '请稍后再试，或拨打 96128 咨询。';
  const field = data && data.field;
  if (field && msg.startsWith(field + ': ')) msg = msg.slice(field.length + 2);
  if (res.status === 429) msg = '提交太频繁了，请过几分钟再试。';
  if (res.status === 409) msg = '申请还在提交中，请稍等几秒再点“提交申请”。';
  showError(res.status === 400 ? field : '', msg);
}

if (form) {
  form.addEventListener('change', (e) => {
    if (e.target.name === 'applicant_type') showGroups();
  });
  form.addEventListener('submit', submit);
  showGroups();
}
