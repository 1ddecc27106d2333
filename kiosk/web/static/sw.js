// sw.js is the kiosk's service worker (scope /kiosk/). It keeps the kiosk
// usable when the server is unreachable:
//   - the app shell is precached at install (the server fills in the list);
//   - API reads are network-first: a fresh answer is stored, and when the
//     network fails the stored copy is answered instead, marked with the
//     headers X-Kiosk-Offline: 1 and X-Kiosk-Cached-At so that the page can
//     say "网络已断开，显示的是 <time> 的内容";
//   - recently viewed documents (and their QR codes) are kept, up to a limit;
//   - device calls (heartbeat, events, print) and 查询码 checks are never cached.

const VERSION = '__KIOSK_VERSION__';
const SHELL = __KIOSK_ASSETS__;
const SHELL_CACHE = 'kiosk-shell-' + VERSION;
const DOC_CACHE = 'kiosk-docs';
const LIST_CACHE = 'kiosk-lists';
const DOC_LIMIT = 80;
const LIST_LIMIT = 150;
const API_TIMEOUT = 6000;
const PAGE_TIMEOUT = 4000;
const SHELL_PAGE = new URL('./', self.registration.scope).pathname;
const WARM = ['/api/v1/categories'];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    await cache.addAll(SHELL);
    const lists = await caches.open(LIST_CACHE);
    for (const url of WARM) {
      try {
        const res = await fetch(url, { cache: 'no-store' });
        if (res.ok) await lists.put(url, await stamped(res));
      } catch {
        // Warming is best effort: the page fills the cache as it is used.
      }
    }
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('kiosk-shell-') && name !== SHELL_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === 'navigate' && url.pathname === SHELL_PAGE) {
    event.respondWith(shellPage(req));
  } else if (url.pathname.startsWith(SHELL_PAGE + 'v/')) {
    event.respondWith(cacheFirst(req));
  } else {
    const cacheName = apiCache(url.pathname);
    if (cacheName) event.respondWith(networkFirst(req, cacheName));
  }
});

// apiCache names the cache an API read belongs in, or '' for requests that
// must always go to the server.
function apiCache(path) {
  if (/^\/api\/v1\/documents\/\d+(\/qr\.(png|svg))?$/.test(path)) return DOC_CACHE;
  if (path === '/api/v1/documents' || path === '/api/v1/categories' || path === '/api/v1/departments' ||
      path === '/api/v1/search/suggest') return LIST_CACHE;
  return '';
}

// shellPage answers the kiosk page from the network, storing it under the
// bare page URL (never with ?terminal=TOKEN), and from the cache offline.
async function shellPage(req) {
  const cache = await caches.open(SHELL_CACHE);
  try {
    const res = await withTimeout(fetch(req), PAGE_TIMEOUT);
    if (res.ok) await cache.put(SHELL_PAGE, res.clone());
    return res;
  } catch {
    const cached = await cache.match(SHELL_PAGE);
    if (cached) return cached;
    return new Response('<!doctype html><meta charset="utf-8"><title>网络已断开</title><p style="font:28px sans-serif;padding:2em">网络已断开，请稍后再试，或拨打 96128 咨询。</p>',
      { status: 503, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
  }
}

async function cacheFirst(req) {
  const cached = await caches.match(req);
  if (cached) return cached;
  const res = await fetch(req);
  if (res.ok) {
    const cache = await caches.open(SHELL_CACHE);
    await cache.put(req, res.clone());
  }
  return res;
}

// networkFirst answers from the server; when the server cannot be reached
// or fails (5xx), from the stored copy, marked as offline.
async function networkFirst(req, cacheName) {
  const cache = await caches.open(cacheName);
  let res;
  try {
    res = await withTimeout(fetch(req), API_TIMEOUT);
  } catch {
    res = null;
  }
  if (res && res.ok) {
    await cache.put(req, await stamped(res.clone()));
    trim(cache, cacheName === DOC_CACHE ? DOC_LIMIT : LIST_LIMIT);
    return res;
  }
  if (res && res.status < 500) return res;
  const cached = await cache.match(req);
  if (cached) return offlineCopy(cached);
  return res || new Response(JSON.stringify({ error: '网络已断开，请稍后再试' }),
    { status: 503, headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-Kiosk-Offline': '1' } });
}

// stamped copies a response with the time it was fetched.
async function stamped(res) {
  const headers = new Headers(res.headers);
  headers.set('X-Kiosk-Cached-At', new Date().toISOString());
  return new Response(await res.blob(), { status: res.status, statusText: res.statusText, headers });
}

async function offlineCopy(cached) {
  const headers = new Headers(cached.headers);
  headers.set('X-Kiosk-Offline', '1');
  return new Response(await cached.blob(), { status: cached.status, statusText: cached.statusText, headers });
}

// trim drops the oldest entries beyond the limit.
async function trim(cache, limit) {
  const keys = await cache.keys();
  for (const k of keys.slice(0, Math.max(0, keys.length - limit))) await cache.delete(k);
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then((v) => { clearTimeout(t); resolve(v); }, (e) => { clearTimeout(t); reject(e); });
  });
}
