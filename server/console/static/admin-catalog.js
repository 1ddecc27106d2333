// admin-catalog.js is the admin's catalog and search section: ordering the
// category tree (drag and drop, or the 上移/下移 buttons for the keyboard),
// merging categories, pinning documents to a query, trying a query as a
// citizen would right after fixing it, and entering a calendar notice with
// a preview of the query clocks it re-dates. Every change goes to the API;
// the rules live there, and its errors show next to their field.

import { api, showErrors, clearErrors } from './console.js';

const FLASH = 'govhall.catalog.flash';

// flash shows a message after the next reload.
function flash(text) {
  sessionStorage.setItem(FLASH, text);
}

function showFlash() {
  const text = sessionStorage.getItem(FLASH);
  if (!text) return;
  sessionStorage.removeItem(FLASH);
  const box = document.querySelector('.status[role="status"]');
  if (box) box.textContent = text;
}

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const k of kids) if (k) e.append(k);
  return e;
}

// ---- category tree ----

function parentOf(list) {
  const li = list.parentElement.closest('li.cat');
  return li ? Number(li.dataset.id) : 0;
}

function siblings(list) {
  return [...list.children].filter((c) => c.matches('li.cat'));
}

async function saveOrder(list, moved, how) {
  const status = document.getElementById('tree-status');
  const ids = siblings(list).map((li) => Number(li.dataset.id));
  const r = await api('PUT', '/api/v1/staff/categories/tree/order', { parent_id: parentOf(list), ids });
  if (!r.ok) {
    status.textContent = `没有保存：${r.error}`;
    status.classList.add('status-bad');
    return;
  }
  status.classList.remove('status-bad');
  const pos = ids.indexOf(Number(moved.dataset.id)) + 1;
  status.textContent = `已${how}“${moved.dataset.name}”，现在是这一级的第 ${pos} 个（共 ${ids.length} 个），顺序已保存。`;
  document.body.dataset.saved = String(Number(document.body.dataset.saved || 0) + 1);
}

function wireTree() {
  const tree = document.getElementById('cat-tree');
  if (!tree) return;
  tree.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-move]');
    if (!b) return;
    const li = b.closest('li.cat');
    const list = li.parentElement;
    const sibs = siblings(list);
    const i = sibs.indexOf(li);
    const up = b.dataset.move === 'up';
    if ((up && i === 0) || (!up && i === sibs.length - 1)) {
      document.getElementById('tree-status').textContent = `“${li.dataset.name}”已经是这一级的${up ? '第一个' : '最后一个'}。`;
      return;
    }
    if (up) list.insertBefore(li, sibs[i - 1]);
    else list.insertBefore(li, sibs[i + 1].nextSibling);
    b.focus();
    saveOrder(list, li, up ? '上移' : '下移');
  });

  // HTML5 drag and drop: a row moves among its siblings only.
  let dragged = null;
  tree.addEventListener('dragstart', (e) => {
    const row = e.target.closest && e.target.closest('.cat-row');
    if (!row) return;
    dragged = row.closest('li.cat');
    dragged.classList.add('dragging');
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData('text/plain', dragged.dataset.id);
  });
  const target = (e) => {
    const li = e.target.closest && e.target.closest('li.cat');
    if (!dragged || !li || li === dragged) return null;
    // The nearest sibling of the dragged one that holds the pointer.
    let t = li;
    while (t && t.parentElement !== dragged.parentElement) t = t.parentElement.closest('li.cat');
    return t && t !== dragged ? t : null;
  };
  const clearMarks = () => {
    for (const m of tree.querySelectorAll('.drop-before, .drop-after')) m.classList.remove('drop-before', 'drop-after');
  };
  tree.addEventListener('dragover', (e) => {
    const t = target(e);
    if (!t) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
    const box = t.querySelector('.cat-row').getBoundingClientRect();
    const after = e.clientY > box.top + box.height / 2;
    clearMarks();
    t.classList.add(after ? 'drop-after' : 'drop-before');
  });
  tree.addEventListener('dragleave', (e) => {
    if (!tree.contains(e.relatedTarget)) clearMarks();
  });
  tree.addEventListener('drop', (e) => {
    const t = target(e);
    if (!t) return;
    e.preventDefault();
    const after = t.classList.contains('drop-after');
    clearMarks();
    const list = t.parentElement;
    list.insertBefore(dragged, after ? t.nextSibling : t);
    const moved = dragged;
    saveOrder(list, moved, '移动');
  });
  tree.addEventListener('dragend', () => {
    clearMarks();
    if (dragged) dragged.classList.remove('dragging');
    dragged = null;
  });
}

function wireMerge() {
  const form = document.getElementById('merge-form');
  if (!form) return;
  const from = form.elements.from;
  const into = form.elements.into;
  const summary = document.getElementById('merge-summary');
  const describe = () => {
    const f = from.selectedOptions[0];
    const t = into.selectedOptions[0];
    if (!f || !f.value || !t || !t.value) {
      summary.textContent = '';
      return;
    }
    summary.textContent = `将把“${f.dataset.path}”的 ${f.dataset.total} 份文件和 ${f.dataset.children} 个下级分类移到“${t.dataset.path}”，然后删除“${f.dataset.path}”。`;
  };
  from.addEventListener('change', describe);
  into.addEventListener('change', describe);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    if (!from.value) {
      showErrors(form, { error: '请选择要合并的分类', field: 'from' });
      return;
    }
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    const r = await api('POST', `/api/v1/staff/categories/${encodeURIComponent(from.value)}/merge`, { into: Number(into.value) || 0 });
    button.disabled = false;
    if (!r.ok) {
      showErrors(form, r);
      return;
    }
    flash(`已把“${r.data.from}”合并到“${r.data.into}”：移动了 ${r.data.documents} 份文件、${r.data.children} 个下级分类。`);
    location.reload();
  });
}

// ---- trying a query, pinning ----

const matchLabels = { pinned: '置顶', exact: '文号或标题完全一致', title: '标题含检索词或同义词', title_words: '标题含全部字词', metadata: '主题、机关或分类', body: '正文' };

// tryQuery runs the public search for q, uncounted, and shows its top hits in box.
async function tryQuery(q, box) {
  box.textContent = `正在检索“${q}”……`;
  const r = await api('GET', '/api/v1/staff/search/try?limit=5&q=' + encodeURIComponent(q));
  box.textContent = '';
  if (!r.ok) {
    box.append(el('p', { class: 'form-error', text: r.error }));
    return;
  }
  const n = r.data.total || 0;
  box.dataset.total = String(n);
  box.append(el('p', { class: n ? 'form-ok' : 'try-none', text: n ? `现在检索“${q}”能查到 ${n} 份文件${r.data.total_exact === false ? '以上' : ''}：` : `现在检索“${q}”仍然查不到文件。` }));
  if (r.data.expanded && r.data.expanded.length) box.append(el('p', { class: 'hint', text: `同时查找了：${r.data.expanded.join('、')}` }));
  if (n) {
    box.append(el('ol', { class: 'try-hits' }, ...r.data.items.map((it) => el('li', {},
      el('a', { href: it.url, target: '_blank', rel: 'noopener', text: it.title }),
      el('span', { class: 'muted', text: ` ${it.doc_number || ''} ${matchLabels[it.match] ? '（' + matchLabels[it.match] + '）' : ''}` })))));
  }
}

function resultBox(from) {
  const li = from.closest('li.demand');
  return li ? li.querySelector('.try-result') : null;
}

function wireTries() {
  for (const form of document.querySelectorAll('form[data-api][data-try]')) {
    form.addEventListener('api:done', (e) => {
      const syn = e.detail.data || {};
      const box = resultBox(form);
      if (box) tryQuery(form.dataset.try, box);
      form.querySelector('[name="synonym"]').value = '';
      const ok = el('p', { class: 'form-ok', text: `已添加同义词：${syn.term} ⇄ ${syn.synonym}` });
      form.append(ok);
    });
  }
  document.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-try-now]');
    if (!b) return;
    const box = resultBox(b);
    if (box) tryQuery(b.dataset.tryNow, box);
  });
}

function wirePickers() {
  for (const picker of document.querySelectorAll('.pin-picker')) {
    const find = picker.querySelector('form[data-find]');
    const hits = picker.querySelector('[data-hits]');
    const queryInput = picker.querySelector('[data-pin-query]');
    find.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(picker);
      const q = find.elements.find.value.trim();
      if (!q) {
        showErrors(find, { error: '请输入文件标题、文号或关键词', field: 'find' });
        return;
      }
      const r = await api('GET', '/api/v1/staff/search/try?limit=8&q=' + encodeURIComponent(q));
      hits.textContent = '';
      if (!r.ok) {
        showErrors(find, { error: r.error, field: 'find' });
        return;
      }
      if (!r.data.items.length) {
        hits.append(el('p', { class: 'try-none', text: `没有查到“${q}”，换个关键词试试。` }));
        return;
      }
      hits.append(el('ul', { class: 'plain pin-choices' }, ...r.data.items.map((it) => {
        const b = el('button', { type: 'button', class: 'btn btn-small', 'data-pin': String(it.id), text: '置顶' });
        b.setAttribute('aria-label', `把“${it.title}”置顶`);
        return el('li', {}, el('span', { text: it.title + ' ' }), b);
      })));
    });
    hits.addEventListener('click', async (e) => {
      const b = e.target.closest('button[data-pin]');
      if (!b) return;
      clearErrors(picker);
      b.disabled = true;
      const r = await api('POST', '/api/v1/staff/search/pins', { query: queryInput.value, document_id: Number(b.dataset.pin) });
      b.disabled = false;
      if (!r.ok) {
        showErrors(picker, r);
        return;
      }
      if (picker.dataset.then === 'reload') {
        flash(`已把“${r.data.title}”置顶到“${r.data.query}”。`);
        location.reload();
        return;
      }
      hits.textContent = '';
      hits.append(el('p', { class: 'form-ok', text: `已把“${r.data.title}”置顶到“${r.data.query}”。` }));
      const box = resultBox(picker);
      if (box) tryQuery(picker.dataset.try || r.data.query, box);
    });
  }
}

// ---- calendar notice ----

function wireNotice() {
  const form = document.getElementById('notice-form');
  if (!form) return;
  const tbody = form.querySelector('#days tbody');
  const tpl = document.getElementById('day-row');
  const preview = document.getElementById('preview');
  const save = document.getElementById('save-btn');
  let previewed = '';

  const renumber = () => {
    [...tbody.rows].forEach((tr, i) => {
      const date = tr.querySelector('[data-day="date"]');
      const kind = tr.querySelector('[data-day="kind"]');
      const name = tr.querySelector('[data-day="name"]');
      date.name = `days[${i}]`;
      date.id = `day-${i}-date`;
      date.setAttribute('aria-label', `第 ${i + 1} 行：日期`);
      kind.name = `days[${i}].kind`;
      kind.setAttribute('aria-label', `第 ${i + 1} 行：类型`);
      name.name = `days[${i}].name`;
      name.setAttribute('aria-label', `第 ${i + 1} 行：节日名称`);
      tr.querySelector('[data-remove]').setAttribute('aria-label', `删除第 ${i + 1} 行`);
    });
  };
  const addRow = () => {
    tbody.append(tpl.content.cloneNode(true));
    renumber();
    return tbody.rows[tbody.rows.length - 1];
  };
  addRow();
  document.getElementById('add-day').addEventListener('click', () => addRow().querySelector('input').focus());
  tbody.addEventListener('click', (e) => {
    const b = e.target.closest('[data-remove]');
    if (!b) return;
    b.closest('tr').remove();
    if (!tbody.rows.length) addRow();
    renumber();
    changed();
  });

  const notice = () => {
    const n = { year: Number(form.elements.year.value) || 0, title: form.elements.title.value, doc_number: form.elements.doc_number.value, days: [] };
    if (form.elements.published_on.value) n.published_on = form.elements.published_on.value;
    for (const tr of tbody.rows) {
      const date = tr.querySelector('[data-day="date"]').value;
      const name = tr.querySelector('[data-day="name"]').value.trim();
      const kind = tr.querySelector('[data-day="kind"]').value;
      if (!date && !name) continue;
      const d = { kind, name };
      if (date) d.date = date;
      n.days.push(d);
    }
    return n;
  };
  // The row numbers the API names are those of the days sent: rows left
  // empty are skipped, so map them back to the rows on screen.
  const fieldOnScreen = (field) => {
    const m = /^days\[(\d+)\]/.exec(field || '');
    if (!m) return field;
    let k = -1;
    for (const [i, tr] of [...tbody.rows].entries()) {
      if (tr.querySelector('[data-day="date"]').value || tr.querySelector('[data-day="name"]').value.trim()) k++;
      if (k === Number(m[1])) return `days[${i}]`;
    }
    return field;
  };
  const fail = (r) => {
    const field = fieldOnScreen(r.field);
    const error = r.field && r.error.startsWith(r.field + ': ') ? r.error.slice(r.field.length + 2) : r.error;
    showErrors(form, { error, field });
  };
  const changed = () => {
    if (!previewed) return;
    previewed = '';
    save.disabled = true;
    preview.textContent = '内容有改动，请重新预览后再保存。';
  };
  form.addEventListener('input', changed);
  form.addEventListener('change', changed);

  document.getElementById('preview-btn').addEventListener('click', async () => {
    clearErrors(form);
    const n = notice();
    const r = await api('POST', '/api/v1/staff/calendar/preview', n);
    if (!r.ok) {
      preview.textContent = '';
      fail(r);
      return;
    }
    const c = r.data;
    preview.dataset.rebased = String(c.rebased);
    preview.textContent = c.changed
      ? `保存后，${c.rebased} 张办理中的查询单会按新通知重新计算办理时限（影响 ${c.range.from} 至 ${c.range.to} 之间的日期）。`
      : '这份通知不会改变任何工作日，没有查询单需要重新计算时限。';
    previewed = JSON.stringify(n);
    save.disabled = false;
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const n = notice();
    if (!previewed || JSON.stringify(n) !== previewed) {
      changed();
      return;
    }
    save.disabled = true;
    const r = await api('POST', '/api/v1/staff/calendar/notices', n);
    if (!r.ok) {
      save.disabled = false;
      fail(r);
      return;
    }
    flash(`已保存 ${r.data.year} 年的通知，${r.data.rebased} 张办理中的查询单已重新计算办理时限。`);
    location.reload();
  });
}

showFlash();
wireTree();
wireMerge();
wireTries();
wirePickers();
wireNotice();
