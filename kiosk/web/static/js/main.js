// main.js starts the kiosk: it takes the terminal token from the address,
// loads the terminal's settings, wires the bottom bar, the idle reset, the
// heartbeat, the offline banner and the service worker, then shows home.

import { $, fillIcons } from './dom.js';
import { Api, takeToken, CONFIG_KEY } from './api.js';
import { Router } from './router.js';
import { Idle } from './idle.js';
import { Reader, textToRead } from './speech.js';
import { formatClock, formatTime } from './text.js';
import { home } from './views/home.js';
import { search } from './views/search.js';
import { results } from './views/results.js';
import { doc } from './views/doc.js';
import { code } from './views/code.js';
import { help } from './views/help.js';
import { apply } from './views/apply.js';

const HEARTBEAT_DEFAULT = 30;

// resetSession forgets what the last citizen did; the terminal's own
// settings (config) stay.
function resetSession(state) {
  state.typed = '';
  state.viewed = [];
  // The addresses of the last requests (pinyin typed into an application)
  // stay in the page's resource timings until cleared.
  performance.clearResourceTimings();
}

function showNetwork({ online, at }) {
  const banner = $('offline');
  const was = !document.body.classList.contains('is-offline');
  document.body.classList.toggle('is-offline', !online);
  // The print button follows the network as it follows the printer.
  if (was !== online) document.dispatchEvent(new CustomEvent('kiosk:config'));
  if (online) {
    banner.hidden = true;
    return;
  }
  $('offline-text').textContent = at
    ? `网络已断开，显示的是 ${formatTime(at)} 的内容`
    : '网络已断开，暂时无法查询，请稍后再试';
  banner.hidden = false;
}

function dialog(title, text) {
  $('dialog-title').textContent = title;
  $('dialog-text').textContent = text;
  $('dialog').hidden = false;
}

function setElder(on) {
  document.documentElement.classList.toggle('elder', on);
  $('nav-elder').setAttribute('aria-pressed', String(on));
  $('elder-state').textContent = on ? '开' : '关';
}

// applyConfig takes the terminal's settings from /terminals/me or a heartbeat.
function applyConfig(ctx, idle, r) {
  if (r.status === 401) {
    $('device').textContent = '本机未登记或已停用，请联系管理员';
    localStorage.removeItem(CONFIG_KEY);
    ctx.state.config = null;
    ctx.reader.useServer(null);
    document.dispatchEvent(new CustomEvent('kiosk:config'));
    return;
  }
  if (!r.ok || !r.data) return;
  localStorage.setItem(CONFIG_KEY, JSON.stringify(r.data));
  useConfig(ctx, idle, r.data);
  $('device').textContent = '';
}

// useConfig applies settings, fresh or remembered from the last start (so
// that an offline kiosk still knows its name and idle time).
function useConfig(ctx, idle, config) {
  ctx.state.config = config;
  if (ctx.reader) ctx.reader.useServer(config.speech ? (text) => ctx.api.speech(text) : null);
  $('place').textContent = config.name || '';
  idle.setIdleSeconds(config.idle_seconds);
  document.dispatchEvent(new CustomEvent('kiosk:config'));
}

function rememberedConfig() {
  try {
    return JSON.parse(localStorage.getItem(CONFIG_KEY) || 'null');
  } catch {
    return null;
  }
}

function startHeartbeat(ctx, idle) {
  const beat = async () => {
    const r = await ctx.api.post('/api/v1/terminals/heartbeat', {}, { device: true });
    applyConfig(ctx, idle, r);
    const every = (ctx.state.config && ctx.state.config.heartbeat_seconds) || HEARTBEAT_DEFAULT;
    setTimeout(beat, every * 1000);
  };
  setTimeout(beat, HEARTBEAT_DEFAULT * 1000);
  window.addEventListener('online', () => ctx.api.post('/api/v1/terminals/heartbeat', {}, { device: true }).then((r) => applyConfig(ctx, idle, r)));
}

function startClock() {
  const tick = () => {
    $('clock').textContent = formatClock(new Date());
  };
  tick();
  setInterval(tick, 15000);
}

// registerWorker installs the offline cache. A new version takes over at
// once; the page reloads into it at the next idle reset.
function registerWorker(state) {
  if (!('serviceWorker' in navigator)) return;
  const hadController = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (hadController) state.reloadOnReset = true;
  });
  navigator.serviceWorker.register('sw.js', { scope: './' }).catch((err) => console.warn('service worker:', err));
}

function wireNav(ctx, reader) {
  const r = ctx.router;
  $('nav-back').addEventListener('click', () => r.back());
  $('nav-home').addEventListener('click', () => r.home());
  $('nav-search').addEventListener('click', () => r.go('search', {}));
  $('nav-code').addEventListener('click', () => r.go('code', {}));
  $('nav-help').addEventListener('click', () => r.go('help', {}));
  $('nav-elder').addEventListener('click', () => setElder(!document.documentElement.classList.contains('elder')));
  $('dialog-close').addEventListener('click', () => { $('dialog').hidden = true; });
  $('nav-speak').addEventListener('click', () => reader.toggle(textToRead($('main'))));
  $('nav-back').classList.toggle('nav-off', true);
  r.onChange = (entry) => {
    reader.stop();
    for (const [id, view] of [['nav-home', 'home'], ['nav-search', 'search'], ['nav-code', 'code'], ['nav-help', 'help']]) {
      $(id).toggleAttribute('aria-current', entry.name === view);
    }
    // On the home screen there is nowhere to go back to: the button goes.
    const back = $('nav-back');
    const atHome = entry.name === 'home';
    back.classList.toggle('nav-off', atHome);
    back.disabled = atHome;
    back.setAttribute('aria-hidden', String(atHome));
  };
}

function boot() {
  fillIcons(document);
  document.addEventListener('contextmenu', (e) => e.preventDefault());
  const state = { typed: '', viewed: [], config: null, suggestMissingUntil: 0, reloadOnReset: false };
  const ctx = { state, dialog, refreshConfig: async () => {} };
  ctx.api = new Api(takeToken(), showNetwork);
  ctx.router = new Router($('main'), { home, search, results, doc, code, help, apply }, ctx);
  const reader = new Reader((on) => {
    $('speak-label').textContent = on ? '停止朗读' : '朗读';
    $('nav-speak').setAttribute('aria-pressed', String(on));
  }, (yes) => {
    $('nav-speak').hidden = !yes;
  });
  ctx.reader = reader;
  const idle = new Idle({
    overlay: $('idle'), countEl: $('idle-count'), stayButton: $('idle-stay'),
    onReset: () => {
      reader.stop();
      $('dialog').hidden = true;
      resetSession(state);
      setElder(false);
      history.replaceState(null, '', location.pathname);
      ctx.router.home();
      ctx.api.event('idle_reset');
      if (state.reloadOnReset) setTimeout(() => location.reload(), 500);
    },
  });
  wireNav(ctx, reader);
  startClock();
  registerWorker(state);
  ctx.router.home();
  if (ctx.api.token) {
    const saved = rememberedConfig();
    if (saved) useConfig(ctx, idle, saved);
    ctx.refreshConfig = async () => applyConfig(ctx, idle, await ctx.api.get('/api/v1/terminals/me', { device: true }));
    ctx.refreshConfig();
    startHeartbeat(ctx, idle);
  } else {
    $('device').textContent = '本机未登记';
  }
}

boot();
