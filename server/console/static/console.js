// console.js is the shell of every console page: the API helper that adds
// the session's anti-forgery token, forms that post JSON to the API and
// show each error next to its field, and the live event stream (one
// EventSource per tab; the browser reconnects by itself and sends the
// last event id, so nothing is missed).

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || '';

// api sends a JSON request to the API and resolves to {ok, status, data,
// error, field}; it never rejects. A POST carries an Idempotency-Key made
// for this call and, when no answer came (a node died with it), is sent
// once more with the same key: the server applies it once.
export async function api(method, path, body) {
  const headers = { Accept: 'application/json', 'X-CSRF-Token': csrf() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method === 'POST') headers['Idempotency-Key'] = newKey();
  const send = () => fetch(path, { method, headers, credentials: 'same-origin', cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body) });
  try {
    let res;
    try {
      res = await send();
    } catch (e) {
      if (method !== 'POST') throw e;
      res = await send();
    }
    let data = null;
    try { data = await res.json(); } catch { data = null; }
    const error = res.ok ? '' : (data && data.error) || `请求没有成功（${res.status}）`;
    return { ok: res.ok, status: res.status, data, error, field: (data && data.field) || '' };
  } catch {
    return { ok: false, status: 0, data: null, error: '网络已断开，请检查网络后重试', field: '' };
  }
}

// newKey returns a random UUID; crypto.randomUUID needs HTTPS.
function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

// formValues turns a form into the JSON the API takes: checkboxes are
// booleans, data-type="int" fields numbers, the pressed button's
// "true"/"false" value a boolean.
export function formValues(form, submitter) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled || el.type === 'submit') continue;
    if (el.type === 'checkbox') out[el.name] = el.checked;
    else if (el.dataset.type === 'int') { if (el.value.trim() !== '') out[el.name] = Number(el.value); }
    else if (el.value !== '') out[el.name] = el.value;
  }
  if (submitter && submitter.name) {
    const v = submitter.value;
    out[submitter.name] = v === 'true' ? true : v === 'false' ? false : v;
  }
  return out;
}

// showErrors puts an error next to its field, or under the form.
export function showErrors(form, r) {
  clearErrors(form);
  const name = r.field;
  const input = name ? form.querySelector(`[name="${CSS.escape(name)}"]`) : null;
  const text = name && r.error.startsWith(name + ': ') ? r.error.slice(name.length + 2) : r.error;
  const p = document.createElement('p');
  p.textContent = text;
  if (input) {
    p.className = 'field-error';
    p.id = `${input.id || name}-error`;
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', p.id);
    (input.closest('.field') || input.parentElement).appendChild(p);
    input.focus();
  } else {
    p.className = 'form-error';
    p.setAttribute('role', 'alert');
    form.appendChild(p);
  }
}

export function clearErrors(form) {
  for (const p of form.querySelectorAll('.field-error, .form-error, .form-ok')) p.remove();
  for (const el of form.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    el.removeAttribute('aria-describedby');
  }
}

// wireForms makes every form with data-api="METHOD PATH" post to the API.
// data-then="reload" reloads the page after success; a form may also
// listen for the "api:done" event (detail: the response).
export function wireForms(root = document) {
  for (const form of root.querySelectorAll('form[data-api]')) {
    if (form.dataset.wired) continue;
    form.dataset.wired = '1';
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const [method, path] = form.dataset.api.split(' ');
      const buttons = [...form.querySelectorAll('button')];
      buttons.forEach((b) => { b.disabled = true; });
      const r = await api(method, path, formValues(form, e.submitter));
      buttons.forEach((b) => { b.disabled = false; });
      if (!r.ok) {
        showErrors(form, r);
        return;
      }
      clearErrors(form);
      form.dispatchEvent(new CustomEvent('api:done', { detail: r }));
      if (form.dataset.then === 'reload') location.reload();
    });
  }
}

// Live events: one stream per tab, dispatched on document as
// "live:KIND" events with the parsed data and the event id.
const handlers = new Map();

export function on(kind, fn) {
  if (!handlers.has(kind)) handlers.set(kind, []);
  handlers.get(kind).push(fn);
}

function startStream() {
  const badge = document.getElementById('live');
  if (!badge) return;
  const es = new EventSource('/console/events');
  const state = (s, text) => { badge.dataset.state = s; badge.textContent = text; };
  es.addEventListener('open', () => state('open', '实时'));
  es.addEventListener('error', () => state('lost', '连接中断，正在重连'));
  es.onmessage = null;
  const dispatch = (kind) => (ev) => {
    let data = {};
    try { data = JSON.parse(ev.data); } catch { data = {}; }
    for (const fn of handlers.get(kind) || []) fn(data, ev.lastEventId);
    document.dispatchEvent(new CustomEvent('live:' + kind, { detail: { data, id: ev.lastEventId } }));
  };
  for (const kind of KINDS) es.addEventListener(kind, dispatch(kind));
  // The session ended (logout elsewhere, password change, expiry, roles
  // changed): reloading leads to the login page or the page as the
  // account may now see it.
  es.addEventListener('session_ended', () => { es.close(); window.location.reload(); });
  // Too far behind for a replay (or events were lost upstream): the page
  // reloads its state instead of trusting a gap.
  es.addEventListener('resync', () => { es.close(); window.location.reload(); });
  window.govhallStream = es;
}

// KINDS are the event names the server sends.
const KINDS = ['queue', 'offered', 'answered', 'held', 'resumed', 'transfer_ringing', 'transfer_answered',
  'transfer_refused', 'transfer_timeout', 'transfer_completed', 'transfer_cancelled', 'threeway', 'left', 'ended',
  'operator_state', 'liaison_state', 'query_assigned', 'query_due_soon', 'query_overdue', 'query_approval', 'query_complaint'];

wireForms();
startStream();
