// supervisor-quality.js is the quality review (质检): the recording's
// player (seek ±10 s, playback speed), the scoring form with its total
// computed as the supervisor types (a failed 致命项 makes it 0), saving a
// draft, making it final, deciding an appeal; opening a call by its id;
// and the admins' form editor (items, weights adding up to 100, 致命项).
// The server checks everything again; the page only shows what it says.

import { api, showErrors, clearErrors, formValues } from './console.js';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k);
  return e;
};

// The player.
const player = $('player');
if (player) {
  $('back10').addEventListener('click', () => { player.currentTime = Math.max(0, player.currentTime - 10); });
  $('fwd10').addEventListener('click', () => {
    player.currentTime = Number.isFinite(player.duration) ? Math.min(player.duration, player.currentTime + 10) : player.currentTime + 10;
  });
  $('speed').addEventListener('change', () => { player.playbackRate = Number($('speed').value); });
}

// scores reads the scoring form: points for items, true/false for 致命项.
function scores(form) {
  const out = {};
  for (const input of form.querySelectorAll('input[data-key]')) {
    if (input.value.trim() !== '') out[input.dataset.key] = Number(input.value);
  }
  for (const radio of form.querySelectorAll('input[data-fatal]:checked')) out[radio.dataset.fatal] = radio.value === 'true';
  return out;
}

function showTotal(form) {
  const total = $('total');
  if (!total) return;
  const s = scores(form);
  const fatal = Object.values(s).some((v) => v === false);
  const sum = Object.values(s).filter((v) => typeof v === 'number').reduce((a, b) => a + b, 0);
  total.dataset.fatal = String(fatal);
  total.textContent = fatal ? '0（致命项不通过）' : sum.toFixed(1);
}

const scoreForm = $('score-form');
const review = $('review');
if (scoreForm && review) {
  scoreForm.addEventListener('input', () => showTotal(scoreForm));
  scoreForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const how = e.submitter ? e.submitter.value : 'save';
    const id = review.dataset.review;
    const body = { scores: scores(scoreForm), comment: ($('comment') || {}).value || '' };
    let r;
    if (how === 'save') r = await api('PUT', `/api/v1/quality/reviews/${id}`, body);
    else if (how === 'final') r = await api('POST', `/api/v1/quality/reviews/${id}/final`, body);
    else {
      r = await api('POST', `/api/v1/quality/appeals/${e.submitter.dataset.appeal}/decision`,
        { upheld: how === 'upheld', note: $('note').value, scores: how === 'upheld' ? body.scores : {}, comment: body.comment });
    }
    if (!r.ok) {
      showErrors(scoreForm, r);
      return;
    }
    clearErrors(scoreForm);
    if (how === 'save') {
      $('score-status').textContent = '已暂存';
      return;
    }
    location.assign(`/console/supervisor/quality/reviews/${r.data.id}`);
  });
  if (review.dataset.status === 'draft') showTotal(scoreForm);
}

// Opening a call by its id.
const openForm = $('open-form');
if (openForm) {
  openForm.addEventListener('api:done', (e) => location.assign(`/console/supervisor/quality/reviews/${e.detail.data.id}`));
}

// The form editor.
const editor = $('form-editor');
function itemRow(item = { label: '', weight: '', fatal: false }) {
  const n = editor.querySelectorAll('#editor-items tbody tr').length + 1;
  const label = el('input', { id: `item-label-${n}`, 'data-part': 'label', value: item.label });
  const weight = el('input', { id: `item-weight-${n}`, 'data-part': 'weight', inputmode: 'numeric', value: String(item.weight || '') });
  const fatal = el('input', { type: 'checkbox', id: `item-fatal-${n}`, 'data-part': 'fatal' });
  fatal.checked = Boolean(item.fatal);
  weight.disabled = fatal.checked;
  fatal.addEventListener('change', () => { weight.disabled = fatal.checked; sum(); });
  const del = el('button', { type: 'button', class: 'btn', text: '删除' });
  del.setAttribute('aria-label', `删除第 ${n} 项`);
  del.addEventListener('click', () => { del.closest('tr').remove(); sum(); });
  return el('tr', {},
    el('td', {}, el('label', { for: label.id, class: 'sr-only', text: `第 ${n} 项名称` }), label),
    el('td', {}, el('label', { for: weight.id, class: 'sr-only', text: `第 ${n} 项分值` }), weight),
    el('td', {}, fatal, el('label', { for: fatal.id, text: ' 致命项' })),
    el('td', {}, del));
}

function items() {
  return [...editor.querySelectorAll('#editor-items tbody tr')].map((tr) => {
    const fatal = tr.querySelector('[data-part="fatal"]').checked;
    return { label: tr.querySelector('[data-part="label"]').value, weight: fatal ? 0 : Number(tr.querySelector('[data-part="weight"]').value || 0), fatal };
  });
}

function sum() {
  $('editor-sum').textContent = String(items().filter((i) => !i.fatal).reduce((a, i) => a + i.weight, 0));
}

if (editor) {
  const body = editor.querySelector('#editor-items tbody');
  $('add-item').addEventListener('click', () => { body.append(itemRow()); sum(); });
  editor.addEventListener('input', sum);
  for (const b of document.querySelectorAll('[data-edit-form]')) {
    b.addEventListener('click', () => {
      $('editor-title').textContent = `修改评分表：${b.dataset.name}`;
      $('editor-form').value = b.dataset.editForm;
      $('form-name').value = b.dataset.name;
      $('form-name').disabled = true;
      body.replaceChildren();
      for (const tr of b.closest('section').querySelectorAll('tbody tr[data-label]')) {
        body.append(itemRow({ label: tr.dataset.label, weight: Number(tr.dataset.weight), fatal: tr.dataset.fatal === 'true' }));
      }
      sum();
      $('form-name').focus();
    });
  }
  editor.addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = $('editor-form').value;
    const v = formValues(editor);
    const r = id
      ? await api('POST', `/api/v1/quality/forms/${id}/versions`, { items: items() })
      : await api('POST', '/api/v1/quality/forms', { name: v.name || '', items: items() });
    if (!r.ok) {
      showErrors(editor, r);
      return;
    }
    location.reload();
  });
  for (let i = 0; i < 3; i++) body.append(itemRow());
  sum();
}
