// operator.js is the operator's desk: the state bar (phone, state with its
// time, pause reason, queue), the call panel that follows the call live
// (screen pop with the caller's history, hold, hang-up, blind and attended
// transfer with each step, three-way call, notes, wrap-up), the catalog
// and knowledge search, and the query form linked to the call. Every
// command is a POST to the API; the page only shows what the server says.

import { api, on, showErrors, clearErrors, formValues, wireForms } from './console.js';

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

const STATE_TEXT = { available: '就绪', busy: '通话中', wrapup: '话后整理', paused: '小休', offline: '离线' };
const CALL_TEXT = {
  idle: '没有来电。就绪后，来电会在话机上振铃，并在这里弹出。',
  ringing: '来电振铃中：请在话机上接听',
  talking: '通话中',
  held: '来电人保持中（正在听等待音乐）',
  consulting: '咨询转接：来电人在听等待音乐，您正在与部门联络员通话',
  ringing_liaison: '正在呼叫部门联络员……来电人在听等待音乐',
  threeway: '三方通话中',
  transferring: '正在转接部门……',
  ended: '通话已结束，请填写小结',
};

const desk = {
  me: Number($('desk').dataset.me),
  call: null, // {id, caller, state, answeredAt}
  stateSince: null,
  queueOldest: null,
  departments: [],
};

function mmss(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function tick() {
  if (desk.stateSince) $('state-time').textContent = mmss(Date.now() - desk.stateSince);
  $('longest').textContent = desk.queueOldest ? mmss(Date.now() - desk.queueOldest) : '0:00';
  if (desk.call && desk.call.answeredAt) $('talk-time').textContent = mmss(Date.now() - desk.call.answeredAt);
}

function showState(st, reason) {
  $('ext').textContent = st.extension || '—';
  $('reg').textContent = st.registered ? '话机已注册' : '话机未注册';
  $('reg').dataset.ok = String(Boolean(st.registered));
  $('state').textContent = STATE_TEXT[st.state] || st.state;
  $('state').dataset.state = st.state;
  desk.stateSince = st.since ? Date.parse(st.since) : Date.now();
  $('pause-reason').textContent = st.state === 'paused' && reason ? `（${reason}）` : '';
}

// showQueue shows the callers waiting; without longestS (a live change)
// the longest wait runs on from what the page knew.
function showQueue(waiting, longestS) {
  $('waiting').textContent = String(waiting);
  if (waiting === 0) desk.queueOldest = null;
  else if (longestS !== undefined) desk.queueOldest = Date.now() - longestS * 1000;
  else if (!desk.queueOldest) desk.queueOldest = Date.now();
}

// setCall shows the call panel in a state.
function setCall(state, call) {
  if (call) desk.call = { ...(desk.call || {}), ...call };
  const panel = $('call');
  panel.dataset.state = state;
  if (desk.call) desk.call.state = state;
  $('call-status').textContent = CALL_TEXT[state] || state;
  const live = ['talking', 'held', 'consulting', 'ringing_liaison', 'threeway', 'transferring'].includes(state);
  $('call-meta').hidden = !desk.call;
  $('call-actions').hidden = !live;
  $('transfer').hidden = !live;
  $('note-form').hidden = !desk.call || state === 'idle';
  $('wrapup-form').hidden = state !== 'ended';
  $('hold').textContent = state === 'held' ? '恢复通话' : '保持';
  $('hold').append(' ', el('kbd', { text: 'Alt+H' }));
  $('hold').disabled = !['talking', 'held'].includes(state);
  const consulting = ['consulting', 'threeway', 'ringing_liaison'].includes(state);
  $('consult-actions').hidden = !consulting;
  $('transfer-form').hidden = consulting || state === 'transferring';
  $('complete').disabled = state === 'ringing_liaison';
  $('threeway').hidden = state === 'threeway';
  $('leave').hidden = state !== 'threeway';
  if (desk.call) {
    $('caller').textContent = desk.call.caller || '未知号码';
    $('call-id').textContent = String(desk.call.id);
    $('q-call').value = desk.call.sip_call_id || '';
    if (!$('q-phone').value) $('q-phone').value = desk.call.caller || '';
  }
  if (state === 'idle') {
    desk.call = null;
    $('history').hidden = true;
    $('steps').replaceChildren();
  }
}

function step(text) {
  const time = new Date().toLocaleTimeString('zh-CN', { hour12: false });
  $('steps').append(el('li', { text: `${time} ${text}` }));
}

async function loadHistory(call) {
  const r = await api('GET', `/api/v1/staff/callers/${encodeURIComponent(call.caller)}?except=${call.id}`);
  if (!r.ok) return;
  const items = [];
  for (const q of r.data.queries) {
    items.push(el('li', {}, el('a', { href: `/console/liaison/queries/${q.code}`, text: `查询码 ${q.code}` }),
      `　${q.status_text}　${q.department || '待分办'}　${q.question}`));
  }
  for (const c of r.data.calls) {
    const when = new Date(c.started_at).toLocaleString('zh-CN', { hour12: false });
    items.push(el('li', { text: `${when} 来电，${c.department ? '转 ' + c.department + '，' : ''}${c.query_code ? '查询码 ' + c.query_code + '，' : ''}${c.satisfaction ? '满意度 ' + c.satisfaction : '未评价'}` }));
  }
  $('history-list').replaceChildren(...(items.length ? items : [el('li', { text: '这个号码以前没有来电或查询单。' })]));
  $('history').hidden = false;
}

async function load() {
  const r = await api('GET', '/api/v1/operators/me/desk');
  if (!r.ok) {
    $('call-status').textContent = r.error;
    return;
  }
  const d = r.data;
  showState(d.state, d.pause_reason);
  showQueue(d.queue.waiting, d.queue.longest_s);
  fill($('reason'), d.pause_reasons.map((p) => [p.label, p.label]));
  fill($('wrapup-code'), d.wrapup_codes.map((w) => [w.code, w.label]));
  if (d.call) {
    setCall('talking', { ...d.call, answeredAt: Date.now() });
    loadHistory(d.call);
  } else {
    setCall('idle');
  }
  loadDirectory();
}

function fill(select, pairs) {
  const first = select.options[0];
  select.replaceChildren(first, ...pairs.map(([v, t]) => el('option', { value: v, text: t })));
}

async function loadDirectory() {
  const r = await api('GET', '/api/v1/staff/directory');
  if (!r.ok) return;
  desk.departments = r.data.items;
  const keep = $('department').value;
  fill($('department'), r.data.items.map((d) => [d.code,
    `${d.name}（${d.in_hours ? (d.reachable ? `${d.reachable} 人可接` : '无人可接') : '不在工作时间'}）`]));
  $('department').value = keep;
  const rows = r.data.items.map((d) => el('tr', { 'data-department': d.code },
    el('td', { text: d.name }),
    el('td', { text: d.ring_strategy === 'all' ? '同时振铃' : '依次振铃' }),
    el('td', {}, d.liaisons.map((l) => el('div', { text: `${l.extension} ${l.username || ''}：${liaisonText(l, d.in_hours)}` }))),
    el('td', { text: d.in_hours ? String(d.reachable) : '不在工作时间' })));
  $('directory').tBodies[0].replaceChildren(...rows);
}

function liaisonText(l, inHours) {
  if (!inHours) return '不在工作时间';
  if (l.away) return '暂时离开';
  if (!l.registered) return '话机未注册';
  return l.on_call ? '通话中' : '空闲';
}

// command posts a call command and shows its error in the panel.
async function command(path, body) {
  if (!desk.call) return null;
  const r = await api('POST', `/api/v1/calls/${desk.call.id}/${path}`, body);
  if (!r.ok) $('call-status').textContent = r.error;
  return r;
}

// refreshState reads the ACD state after a call changed it.
async function refreshState() {
  const r = await api('GET', '/api/v1/operators/me/state');
  if (r.ok) showState(r.data, r.data.pause_reason);
}

async function setState(state) {
  const body = { state };
  if (state === 'paused') body.reason = $('reason').value;
  const form = $('state-form');
  const r = await api('POST', '/api/v1/operators/me/state', body);
  if (!r.ok) {
    showErrors(form, r);
    return;
  }
  clearErrors(form);
  showState(r.data, r.data.pause_reason);
}

function wire() {
  $('go-available').addEventListener('click', () => setState('available'));
  $('go-paused').addEventListener('click', () => setState('paused'));
  $('go-offline').addEventListener('click', () => setState('offline'));
  $('hold').addEventListener('click', () => command(desk.call && desk.call.state === 'held' ? 'resume' : 'hold'));
  $('hangup').addEventListener('click', () => command('hangup'));
  $('complete').addEventListener('click', () => command('transfer/complete'));
  $('cancel').addEventListener('click', () => command('transfer/cancel'));
  $('threeway').addEventListener('click', () => command('threeway'));
  $('leave').addEventListener('click', () => command('leave'));
  $('transfer-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const how = e.submitter ? e.submitter.value : 'attended';
    const form = $('transfer-form');
    const name = $('department').value ? $('department').selectedOptions[0].textContent.replace(/（.*$/, '') : '';
    if (!name) {
      showErrors(form, { field: 'department', error: '请选择要转接的部门' });
      return;
    }
    step(`${how === 'blind' ? '直接转接' : '咨询转接'}：${name}`);
    // The panel shows the transfer before the answer comes back: a liaison
    // may answer (an event) before the request returns.
    setCall(how === 'blind' ? 'transferring' : 'ringing_liaison');
    const r = await api('POST', `/api/v1/calls/${desk.call.id}/${how === 'blind' ? 'transfer' : 'attended'}`, { department: $('department').value });
    if (!r.ok) {
      showErrors(form, r);
      step(`转接没有成功：${r.error}`);
      setCall('talking');
      return;
    }
    clearErrors(form);
  });
  $('note-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('POST', `/api/v1/calls/${desk.call.id}/notes`, formValues($('note-form')));
    if (!r.ok) return showErrors($('note-form'), r);
    clearErrors($('note-form'));
    $('call-note').value = '';
    $('note-form').append(el('p', { class: 'form-ok', role: 'status', text: '备注已保存' }));
  });
  $('wrapup-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('POST', `/api/v1/calls/${desk.call.id}/wrapup`, formValues($('wrapup-form')));
    if (!r.ok) return showErrors($('wrapup-form'), r);
    clearErrors($('wrapup-form'));
    $('wrapup-form').reset();
    setCall('idle');
    setState('available');
  });
  $('query-form').addEventListener('api:done', (e) => {
    const q = e.detail.data;
    const read = el('button', { type: 'button', class: 'btn', id: 'readout', text: '由系统读给来电人' });
    read.addEventListener('click', async () => {
      const r = await command('readout', { code: q.code });
      if (r && r.ok) read.replaceWith(el('span', { class: 'form-ok', id: 'readout-done', text: '正在为来电人读两遍查询码' }));
    });
    $('query-done').replaceChildren('已登记。请告诉来电人查询码：', el('span', { class: 'code-big', id: 'query-code', text: q.code }),
      `，${q.department ? '由' + q.department + '办理，' : ''}答复期限 ${new Date(q.due_at).toLocaleDateString('zh-CN')}。`,
      desk.call ? read : null);
    $('query-done').hidden = false;
    $('query-form').reset();
  });
  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    search($('q').value.trim());
  });
  for (const t of document.querySelectorAll('[role="tab"]')) t.addEventListener('click', () => showTab(t.id));
  document.addEventListener('keydown', shortcuts);
  setInterval(tick, 1000);
  setInterval(loadDirectory, 15000);
}

function showTab(id) {
  for (const t of document.querySelectorAll('[role="tab"]')) {
    const on = t.id === id;
    t.setAttribute('aria-selected', String(on));
    $(t.getAttribute('aria-controls')).hidden = !on;
  }
}

// shortcuts: Alt+1 ready, Alt+2 pause, Alt+H hold/resume, Alt+T transfer,
// Alt+S search, Alt+Q query form.
function shortcuts(e) {
  if (!e.altKey || e.ctrlKey || e.metaKey) return;
  const keys = {
    1: () => setState('available'),
    2: () => setState('paused'),
    h: () => !$('hold').disabled && $('hold').click(),
    t: () => !$('transfer').hidden && $('department').focus(),
    s: () => { showTab('tab-search'); $('q').focus(); },
    q: () => { showTab('tab-query'); $('q-question').focus(); },
  };
  const fn = keys[e.key.toLowerCase()];
  if (fn) {
    e.preventDefault();
    fn();
  }
}

async function search(q) {
  if (!q) return;
  const [docs, kb] = await Promise.all([
    api('GET', `/api/v1/documents?limit=5&q=${encodeURIComponent(q)}`),
    api('GET', `/api/v1/staff/knowledge?q=${encodeURIComponent(q)}`),
  ]);
  const out = [el('h3', { text: '政策文件' })];
  for (const d of (docs.ok && docs.data.items) || []) {
    const repealed = d.validity && d.validity !== '有效';
    out.push(el('div', { class: 'result-item' },
      el('p', {}, el('a', { href: d.url, target: '_blank', rel: 'noopener', text: d.title }), repealed ? el('span', { class: 'tag', text: d.validity }) : null),
      el('p', { class: 'muted', text: [d.doc_number, d.agency, d.published_at].filter(Boolean).join('　') }),
      d.snippet ? el('p', { text: d.snippet }) : null));
  }
  if (out.length === 1) out.push(el('p', { text: '没有找到文件。' }));
  out.push(el('h3', { text: '知识库' }));
  const entries = (kb.ok && kb.data.items) || [];
  for (const k of entries) {
    const stale = (k.citations || []).filter((c) => !c.current);
    out.push(el('div', { class: 'result-item knowledge', 'data-stale': String(stale.length > 0) },
      el('p', {}, el('strong', { text: k.question })), el('p', { text: k.answer }),
      stale.map((c) => el('p', { class: 'field-error', text: `注意：答复引用的${c.cited}${c.explanation}，请以现行文件为准。` }))));
  }
  if (!entries.length) out.push(el('p', { text: '知识库中没有相关条目。' }));
  $('search-results').replaceChildren(...out);
}

// Live events about my calls and the queue.
const mine = (d) => !d.account_id || d.account_id === desk.me;
on('queue', (d) => showQueue(d.queue_len, d.longest_s));
on('offered', (d) => {
  if (desk.call && d.call_id === desk.call.id && d.account_id !== desk.me && desk.call.state === 'ringing') {
    setCall('idle'); // not answered here: the caller is offered to another operator
    return;
  }
  if (!mine(d)) return;
  setCall('ringing', { id: d.call_id, caller: d.caller, sip_call_id: d.sip_call_id, answeredAt: null });
  $('waited').textContent = mmss((d.waited_s || 0) * 1000);
  $('q-phone').value = d.caller || '';
  loadHistory({ id: d.call_id, caller: d.caller });
});
on('answered', (d) => {
  if (desk.call && d.call_id === desk.call.id && desk.call.state === 'ringing' && d.account_id !== desk.me) {
    setCall('idle'); // rang here, answered elsewhere
  } else if (desk.call && d.call_id === desk.call.id && d.account_id === desk.me) {
    desk.call.answeredAt = Date.now();
    setCall('talking');
    refreshState();
  }
});
on('held', (d) => desk.call && d.call_id === desk.call.id && setCall('held'));
on('resumed', (d) => desk.call && d.call_id === desk.call.id && setCall('talking'));
on('transfer_ringing', (d) => desk.call && d.call_id === desk.call.id && step(`正在呼叫 ${d.extension}`));
on('transfer_answered', (d) => {
  if (!desk.call || d.call_id !== desk.call.id) return;
  step(`${d.extension} 已接听`);
  if (desk.call.state === 'ringing_liaison') setCall('consulting');
});
for (const [kind, text] of [['transfer_refused', '转接没有成功'], ['transfer_timeout', '无人接听'], ['transfer_cancelled', '已取消转接']]) {
  on(kind, (d) => {
    if (!desk.call || d.call_id !== desk.call.id) return;
    step(`${text}${d.detail ? '：' + d.detail : ''}，已回到来电人`);
    setCall('talking');
  });
}
on('transfer_completed', (d) => {
  if (!desk.call || d.call_id !== desk.call.id) return;
  step('转接完成，来电人已与联络员通话');
  setCall('ended');
  refreshState();
});
on('threeway', (d) => desk.call && d.call_id === desk.call.id && (step('三方通话开始'), setCall('threeway')));
on('left', (d) => {
  if (!desk.call || d.call_id !== desk.call.id) return;
  step(d.account_id === desk.me ? '您已退出三方通话' : `${d.extension} 退出了三方通话`);
  if (d.account_id === desk.me) {
    setCall('ended');
    refreshState();
  }
});
on('ended', (d) => {
  if (!desk.call || d.call_id !== desk.call.id) return;
  step(`通话结束${d.detail ? '：' + d.detail : ''}`);
  if (desk.call.state !== 'ended') setCall(desk.call.answeredAt ? 'ended' : 'idle');
  refreshState();
});
on('operator_state', (d) => d.account_id === desk.me && load());

wire();
wireForms();
load();
