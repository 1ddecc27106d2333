// offline.js reads the service worker's cache of recently viewed documents,
// so that they can still be opened while the server is unreachable. The
// list is sorted by title, not by time, so it does not reveal what the
// previous citizen read last.

export const DOC_CACHE = 'kiosk-docs';

export async function cachedDocuments() {
  if (!('caches' in window)) return [];
  try {
    const cache = await caches.open(DOC_CACHE);
    const docs = [];
    for (const req of await cache.keys()) {
      if (!/\/api\/v1\/documents\/\d+$/.test(new URL(req.url).pathname)) continue;
      const res = await cache.match(req);
      const d = res && (await res.json().catch(() => null));
      if (d && d.id && d.title) docs.push({ id: d.id, title: d.title });
    }
    return docs.sort((a, b) => a.title.localeCompare(b.title, 'zh-CN'));
  } catch {
    return [];
  }
}
