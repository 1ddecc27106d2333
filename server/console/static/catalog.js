// catalog.js: the reviewers' pages. The document form composes the 文号
// from its parts, shows the fields that apply, and keeps a live preview of
// the public page (the form's values posted into a frame, rendered by the
// server exactly as the public page); the validity form previews its
// public effect; a decision returns to the queue.
import { formValues } from './console.js';

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || '';

// postInto posts values as a plain form into the frame named target.
function postInto(action, target, values) {
  const f = document.createElement('form');
  f.method = 'post';
  f.action = action;
  f.target = target;
  f.hidden = true;
  for (const [k, v] of Object.entries({ ...values, csrf: csrf() })) {
    const i = document.createElement('input');
    i.type = 'hidden';
    i.name = k;
    i.value = String(v);
    f.appendChild(i);
  }
  document.body.appendChild(f);
  f.submit();
  f.remove();
}

function debounce(fn, ms) {
  let t = 0;
  return () => { clearTimeout(t); t = setTimeout(fn, ms); };
}

function documentForm(form) {
  const id = form.dataset.id && form.dataset.id !== '0' ? form.dataset.id : '';
  const full = form.querySelector('[name="doc_number"]');
  const part = (p) => form.querySelector(`[data-part="${p}"]`).value.trim();
  const compose = () => {
    const y = part('year'), n = part('number');
    if (y && n) full.value = `${part('prefix')}〔${y}〕${n}号`;
    else if (!y && !n && !part('prefix')) full.value = '';
  };
  for (const el of form.querySelectorAll('[data-part]')) el.addEventListener('input', compose);

  // Fields that apply only to one kind or disclosure are disabled (and so
  // not sent) while hidden.
  const toggles = () => {
    const kind = form.querySelector('[name="kind"]').value;
    const disc = form.querySelector('[name="disclosure"]').value;
    for (const box of form.querySelectorAll('[data-show-kind], [data-show-disclosure]')) {
      const on = box.dataset.showKind ? box.dataset.showKind === kind : box.dataset.showDisclosure === disc;
      box.hidden = !on;
      for (const el of box.querySelectorAll('input, select, textarea')) el.disabled = !on;
    }
  };
  form.addEventListener('change', toggles);
  toggles();

  const preview = () => postInto('/console/preview' + (id ? `?id=${id}` : ''), 'doc-preview', formValues(form));
  const later = debounce(preview, 500);
  let dirty = false;
  form.addEventListener('input', () => { dirty = true; later(); });
  form.addEventListener('change', later);
  preview();

  window.addEventListener('beforeunload', (e) => { if (dirty) e.preventDefault(); });
  form.addEventListener('api:done', (e) => {
    dirty = false;
    if (!id) {
      location.assign(`/console/documents/${e.detail.data.id}`);
      return;
    }
    const at = new Date().toLocaleTimeString('zh-CN', { hour: '2-digit', minute: '2-digit' });
    document.getElementById('save-state').textContent = `已保存（${at}）`;
  });
}

function validityForm(form) {
  const effect = document.getElementById('validity-effect');
  const update = () => {
    const v = formValues(form);
    const rep = (v.replaced_by || '').trim();
    effect.textContent = v.validity === '有效'
      ? '审定后，公开页面将恢复显示“有效”。'
      : `审定后，原公开页面将显示“本文件已${v.validity}”${rep ? `，并链接到索引号为 ${rep} 的现行文件` : ''}。`;
    postInto(form.dataset.preview, 'validity-preview', { validity: v.validity, replaced_by: rep });
  };
  const later = debounce(update, 400);
  form.addEventListener('change', update);
  form.addEventListener('input', later);
  update();
}

const docForm = document.getElementById('doc-form');
if (docForm) documentForm(docForm);
const valForm = document.getElementById('validity-form');
if (valForm) validityForm(valForm);
const decide = document.getElementById('decide');
if (decide) decide.addEventListener('api:done', () => location.assign('/console/reviews'));
