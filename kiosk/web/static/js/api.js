// api.js talks to the govhall server. It notices when answers come from
// the service worker's cache instead of the network (header
// X-Kiosk-Offline) or do not come at all, and tells the page so that it
// can show the offline banner with the time of the content on screen.

const TOKEN_KEY = 'govhall.kiosk.terminal';
// CONFIG_KEY holds the terminal's last settings (see main.js).
export const CONFIG_KEY = 'govhall.kiosk.config';
const QUEUE_MAX = 100;

// takeToken moves a ?terminal= token from the address into local storage
// and removes it from the address and the history entry.
export function takeToken() {
  const url = new URL(location.href);
  const fromURL = url.searchParams.get('terminal');
  if (fromURL) {
    // Settings remembered for another token belong to another terminal.
    if (fromURL !== localStorage.getItem(TOKEN_KEY)) localStorage.removeItem(CONFIG_KEY);
    localStorage.setItem(TOKEN_KEY, fromURL);
    url.searchParams.delete('terminal');
    history.replaceState(null, '', url.pathname + url.search);
  }
  return localStorage.getItem(TOKEN_KEY) || '';
}

// newIdempotencyKey returns a random UUID for the Idempotency-Key of one
// submission. crypto.randomUUID needs a secure context, which a kiosk on a
// plain-HTTP network is not; getRandomValues works everywhere.
export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

// send fetches once; it resolves to the response, or null when none came
// (network error or timeout).
async function send(method, path, body, headers, timeout) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeout);
  try {
    return await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      signal: ctl.signal, cache: 'no-store', credentials: 'same-origin',
    });
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

export class Api {
  // onStatus({online, at}) is called whenever the network state changes or
  // the time of the content on screen changes while offline.
  constructor(token, onStatus) {
    this.token = token;
    this.onStatus = onStatus;
    this.online = true;
    this.contentAt = null;
    this.queue = [];
  }

  // get fetches JSON. It resolves to {ok, status, data, offline, cachedAt,
  // error}; it never rejects.
  get(path, opts = {}) {
    return this.request('GET', path, undefined, opts);
  }

  post(path, body, opts = {}) {
    return this.request('POST', path, body, opts);
  }

  // A write sent with key (an Idempotency-Key, see newIdempotencyKey) that
  // got no answer is sent once more with the same key: the server applies
  // it once, and answers a repeat with the first answer.
  async request(method, path, body, { device = false, timeout = 10000, content = !device, key = '' } = {}) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (device && this.token) headers['X-Terminal-Token'] = this.token;
    if (key) headers['Idempotency-Key'] = key;
    let res = await send(method, path, body, headers, timeout);
    if (!res && key) res = await send(method, path, body, headers, timeout);
    if (!res) {
      this.setOffline(null, content);
      return { ok: false, status: 0, data: null, offline: true, error: '网络已断开' };
    }
    return this.read(res, content);
  }

  async read(res, content) {
    const offline = res.headers.get('X-Kiosk-Offline') === '1';
    const cachedAt = offline && res.headers.get('X-Kiosk-Cached-At') ? new Date(res.headers.get('X-Kiosk-Cached-At')) : null;
    let data = null;
    if (res.status !== 204) {
      try { data = await res.json(); } catch { data = null; }
    }
    if (offline) this.setOffline(cachedAt, content);
    else this.setOnline(content);
    const error = res.ok ? '' : (data && data.error) || '';
    return { ok: res.ok && !(offline && !cachedAt), status: res.status, data, offline, cachedAt, error };
  }

  setOnline(content) {
    const was = this.online;
    this.online = true;
    if (content) this.contentAt = new Date();
    if (!was) {
      this.onStatus({ online: true });
      this.flush();
    }
  }

  setOffline(cachedAt, content) {
    if (content && cachedAt) this.contentAt = cachedAt;
    this.online = false;
    this.onStatus({ online: false, at: this.contentAt });
  }

  // speech asks the server to read text aloud; it resolves to a WAV Blob,
  // or null when the server cannot speak now.
  async speech(text) {
    try {
      const res = await fetch('/api/v1/terminals/speech', {
        method: 'POST', cache: 'no-store', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-Terminal-Token': this.token },
        body: JSON.stringify({ text }),
      });
      return res.ok ? await res.blob() : null;
    } catch {
      return null;
    }
  }

  // event records one use of the terminal for the statistics. Events that
  // cannot be sent wait in memory until the network is back.
  async event(kind, extra = {}) {
    if (!this.token) return;
    const ev = { kind, ...extra };
    const r = await this.post('/api/v1/terminals/events', ev, { device: true });
    if (r.status === 0 && this.queue.length < QUEUE_MAX) this.queue.push(ev);
  }

  async flush() {
    const pending = this.queue.splice(0);
    for (const ev of pending) {
      const r = await this.post('/api/v1/terminals/events', ev, { device: true });
      if (r.status === 0) {
        this.queue.unshift(...pending.slice(pending.indexOf(ev)));
        return;
      }
    }
  }
}
