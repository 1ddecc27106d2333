// supervisor.js is the supervisor's wallboard (/console/supervisor) and
// its wall-screen mode (?wall=1): the queue with the longest wait ticking,
// the operators by state with their time in it, the calls in progress
// with their party, today's connection and 15-second rates with their
// alerts, and (not on the wall) the calls abandoned today with 回拨. It
// loads a snapshot (GET /api/v1/supervisor/live), follows the live events
// (queue, live_operator, live_call, callback) and loads the snapshot again
// whenever the stream (re)connects and shortly after each change, so that
// it never drifts from the server.

import { api } from './console.js';

const $ = (id) => document.getElementById(id);
const wall = document.body.dataset.page === 'supervisor-wall';
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
const STAGE_TEXT = {
  ivr: '语音导航', queued: '排队中', talking: '通话中',
  ringing_staff: '呼叫工作人员话机', ringing_citizen: '正在拨打', survey: '满意度评价', ended: '已结束',
};
const RESULT_TEXT = {
  pending: '进行中', staff_no_answer: '工作人员未接', reached: '已接通', no_answer: '无人接听', busy: '占线', failed: '未能拨出',
};

const board = {
  offset: 0, // server clock − browser clock, ms
  queueOldest: null, // server ms
  operators: new Map(),
  calls: new Map(),
  alerts: new Map(),
};

const now = () => Date.now() + board.offset;

function mmss(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}

const pct = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);

function setQueue(waiting, longestS, at) {
  $('waiting').textContent = String(waiting);
  if (!waiting) board.queueOldest = null;
  else if (longestS !== undefined && longestS !== null) board.queueOldest = (at ? Date.parse(at) : now()) - longestS * 1000;
  else if (!board.queueOldest) board.queueOldest = now();
  $('board').dataset.waiting = String(waiting);
  $('longest').textContent = board.queueOldest ? mmss(now() - board.queueOldest) : '0:00';
}

function tick() {
  $('longest').textContent = board.queueOldest ? mmss(now() - board.queueOldest) : '0:00';
  for (const cell of document.querySelectorAll('[data-since]')) {
    const t = Number(cell.dataset.since);
    if (t) cell.textContent = mmss(now() - t);
  }
  if ($('wall-clock')) $('wall-clock').textContent = new Date(now()).toLocaleTimeString('zh-CN', { hour12: false });
}

function showFigures(t) {
  $('target-s').textContent = String(t.answer_target_s || 15);
  $('rate-connection').textContent = pct(t.connection_rate);
  $('rate-service').textContent = pct(t.service_level);
  $('abandoned-count').textContent = String(t.abandoned);
  if ($('offered')) $('offered').textContent = `${t.offered} / ${t.answered}`;
  if ($('abandoned-short')) $('abandoned-short').textContent = t.short_abandoned ? `其中 ${t.short_abandon_s} 秒内 ${t.short_abandoned}` : '';
  const base = t.offered - t.short_abandoned;
  if ($('rate-connection-of')) $('rate-connection-of').textContent = base > 0 ? `${t.answered}/${base}` : '';
  if ($('rate-service-of')) $('rate-service-of').textContent = base > 0 ? `${t.answered_in_time}/${base}` : '';
}

// showAlerts keeps one element per alert: a new alert is added (and so
// announced), one that ended is removed, one that stays is left alone.
function showAlerts(list) {
  const box = $('alerts');
  const want = new Map(list.map((a) => [a.kind, a.text]));
  for (const [kind, node] of board.alerts) {
    if (!want.has(kind) || want.get(kind) !== node.dataset.text) {
      node.remove();
      board.alerts.delete(kind);
    }
  }
  for (const [kind, text] of want) {
    if (board.alerts.has(kind)) continue;
    const p = el('p', { class: 'sv-alert', role: 'alert', 'data-kind': kind, 'data-text': text, text: `⚠ ${text}` });
    box.append(p);
    board.alerts.set(kind, p);
  }
  for (const [id, kind] of [['kpi-connection', 'connection_rate'], ['kpi-service', 'service_level']]) {
    $(id).dataset.alert = String(want.has(kind));
  }
}

function opText(o) {
  if (o.state === 'paused') return o.pause_reason ? `小休：${o.pause_reason}` : '小休';
  if (o.state === 'busy' && !o.call_id) return '振铃/接通中';
  if (o.call_id) {
    const c = board.calls.get(o.call_id);
    return c ? `与 ${c.caller || '未知号码'} 通话` : '通话中';
  }
  return o.registered ? '' : '话机未注册';
}

function showOperators() {
  const ops = [...board.operators.values()].sort((a, b) => a.extension.localeCompare(b.extension));
  const count = {};
  for (const o of ops) count[o.state] = (count[o.state] || 0) + 1;
  $('ops-summary').textContent = ['available', 'busy', 'wrapup', 'paused', 'offline']
    .filter((s) => count[s]).map((s) => `${STATE_TEXT[s]} ${count[s]}`).join('，') || '无';
  if (wall) {
    $('op-tiles').replaceChildren(...ops.map((o) => el('li', { class: 'wall-tile', 'data-account': String(o.account_id), 'data-state': o.state },
      el('span', { class: 'tile-name', text: o.name }),
      el('span', { class: 'tile-state', text: STATE_TEXT[o.state] || o.state }),
      el('span', { class: 'tile-time timer', 'data-since': String(Date.parse(o.since)) }),
      el('span', { class: 'tile-note', text: opText(o) }))));
    tick();
    return;
  }
  $('operators').tBodies[0].replaceChildren(...ops.map((o) => el('tr', { 'data-account': String(o.account_id), 'data-state': o.state },
    el('td', { text: o.name }),
    el('td', { text: o.extension }),
    el('td', {}, el('span', { class: 'state-pill', 'data-state': o.state, text: STATE_TEXT[o.state] || o.state })),
    el('td', { class: 'timer', 'data-since': String(Date.parse(o.since)) }),
    el('td', { text: opText(o) }))));
  tick();
}

function partyText(c) {
  if (!c.party) return c.direction === 'outbound' ? '' : '—';
  const who = c.party === 'liaison' ? `联络员 ${c.username || c.extension}` : `话务员 ${c.username || c.extension}`;
  return c.department_name ? `${who}（${c.department_name}）` : who;
}

function stageText(c) {
  if (c.direction === 'outbound') return `${c.kind === 'followup' ? '回访' : '回拨'}：${STAGE_TEXT[c.stage] || c.stage}`;
  return STAGE_TEXT[c.stage] || c.stage;
}

function showCalls() {
  const cs = [...board.calls.values()].sort((a, b) => Date.parse(a.started_at) - Date.parse(b.started_at));
  $('calls-count').textContent = String(cs.length);
  const since = (c) => String(Date.parse(c.since || c.started_at) || 0);
  if (wall) {
    $('call-tiles').replaceChildren(...cs.map((c) => el('li', { class: 'wall-call', 'data-call': String(c.id), 'data-stage': c.stage },
      el('span', { class: 'tile-stage', text: stageText(c) }),
      el('span', { class: 'tile-party', text: partyText(c) }),
      el('span', { class: 'tile-time timer', 'data-since': since(c) }))));
    tick();
    return;
  }
  $('calls').tBodies[0].replaceChildren(...cs.map((c) => el('tr', { 'data-call': String(c.id), 'data-stage': c.stage },
    el('td', { text: c.caller || '未知号码' }),
    el('td', { text: stageText(c) }),
    el('td', { text: partyText(c) }),
    el('td', { class: 'timer', 'data-since': since(c) }))));
  tick();
}

function laterText(a) {
  const parts = [];
  if (a.called_again) parts.push('已再次来电接通');
  if (a.callbacks) parts.push(`回拨 ${a.callbacks} 次：${RESULT_TEXT[a.last_result] || a.last_result}`);
  return parts.join('；') || '—';
}

function showAbandoned(list) {
  if (wall) return;
  $('ab-count').textContent = String(list.length);
  $('abandoned').tBodies[0].replaceChildren(...list.map((a) => {
    const btn = el('button', { type: 'button', class: 'btn btn-primary', 'data-callback': String(a.id), text: '回拨' });
    btn.setAttribute('aria-label', `回拨 ${a.caller}`);
    btn.addEventListener('click', () => callBack(a, btn));
    return el('tr', { 'data-call': String(a.id) },
      el('td', { text: new Date(a.started_at).toLocaleTimeString('zh-CN', { hour12: false }) }),
      el('td', { class: 'number', text: a.caller || '未知号码' }),
      el('td', { text: `${Math.round(a.waited_s)} 秒${a.short ? '（短时放弃）' : ''}` }),
      el('td', { text: laterText(a) }),
      el('td', {}, a.caller ? btn : '—'));
  }));
}

async function callBack(a, btn) {
  const status = $('callback-status');
  btn.disabled = true;
  const r = await api('POST', '/api/v1/callbacks', { kind: 'callback', call_id: a.id });
  btn.disabled = false;
  status.hidden = false;
  status.dataset.state = r.ok ? 'placed' : 'error';
  status.textContent = r.ok ? `正在呼叫您的话机，请接听；接听后将拨打 ${r.data.number}。` : `没有回拨：${r.error}`;
  if (r.ok) status.dataset.callback = String(r.data.id);
}

function render(d) {
  board.offset = Date.parse(d.at) - Date.now();
  setQueue(d.queue.waiting, d.queue.longest_s, d.at);
  board.operators = new Map(d.operators.map((o) => [o.account_id, o]));
  board.calls = new Map(d.calls.map((c) => [c.id, c]));
  showCalls();
  showOperators();
  showFigures(d.today);
  showAlerts(d.alerts);
  showAbandoned(d.abandoned);
  $('board').dataset.ready = 'true';
  tick();
}

let syncing = null;
let again = false;
async function sync() {
  if (syncing) {
    again = true;
    return;
  }
  syncing = api('GET', '/api/v1/supervisor/live');
  const r = await syncing;
  syncing = null;
  if (r.ok) render(r.data);
  if (again) {
    again = false;
    sync();
  }
}

let timer = 0;
function resyncSoon(ms = 800) {
  clearTimeout(timer);
  timer = setTimeout(sync, ms);
}

// Live events between snapshots: applied at once, then a snapshot soon.
function onQueue(d) {
  setQueue(d.queue_len, d.longest_s, d.at);
  resyncSoon();
}

function onOperator(d) {
  const o = board.operators.get(d.account_id);
  if (o) {
    o.state = d.state;
    o.since = d.at;
    if (d.state !== 'busy') o.call_id = 0;
    showOperators();
  }
  resyncSoon();
}

function onCall(d) {
  const c = board.calls.get(d.call_id) || { id: d.call_id, caller: d.caller, direction: d.direction, started_at: d.at, stage: 'ivr' };
  switch (d.event) {
    case 'answered':
      Object.assign(c, { stage: 'talking', since: d.at, extension: d.extension, party: c.party || 'operator' });
      break;
    case 'offered':
      c.stage = 'ivr';
      break;
    case 'callback':
      if (c.kind === undefined) c.kind = '';
      c.stage = d.stage;
      if (d.stage === 'talking') c.since = d.at;
      break;
    default:
  }
  if (d.event === 'ended' || (d.event === 'callback' && d.stage === 'ended')) board.calls.delete(d.call_id);
  else board.calls.set(d.call_id, c);
  showCalls();
  if (d.event === 'ended' || d.event === 'answered' || d.event === 'callback') resyncSoon(400);
  else resyncSoon();
}

function onCallBack(d) {
  const status = $('callback-status');
  if (!status || status.dataset.callback !== String(d.callback_id)) return;
  status.dataset.state = d.stage === 'ended' ? d.outcome : d.stage;
  status.textContent = d.stage === 'ended'
    ? `回拨 ${d.caller} 已结束：${RESULT_TEXT[d.outcome] || d.outcome}`
    : `回拨 ${d.caller}：${STAGE_TEXT[d.stage] || d.stage}`;
}

function parse(ev) {
  try { return JSON.parse(ev.data); } catch { return {}; }
}

const es = window.govhallStream;
if (es) {
  es.addEventListener('open', () => sync()); // a (re)connected stream: start again from the snapshot
  es.addEventListener('queue', (ev) => onQueue(parse(ev)));
  es.addEventListener('live_operator', (ev) => onOperator(parse(ev)));
  es.addEventListener('live_call', (ev) => onCall(parse(ev)));
  es.addEventListener('callback', (ev) => { onCallBack(parse(ev)); resyncSoon(400); });
}
setInterval(tick, 1000);
setInterval(sync, 60000); // figures move with the clock too
sync();
