// markdown.js renders a document body (plain text or simple Markdown: "#"
// headings, "-"/"*" and "1." lists, **bold**, blank-line paragraphs) the
// same way as the server's public page, into DOM nodes built from text.

import { h } from './dom.js';

function classify(line) {
  if (line === '') return ['', ''];
  if (line.startsWith('### ')) return ['h4', line.slice(4)];
  if (line.startsWith('## ') || line.startsWith('# ')) return ['h3', line.replace(/^#+\s*/, '')];
  if (line.startsWith('- ') || line.startsWith('* ')) return ['ul', line.slice(2)];
  const m = /^(\d{1,3})\. (.*)$/.exec(line);
  if (m) return ['ol', m[2]];
  return ['p', line];
}

// inline turns **bold** pairs into <strong>; unbalanced markers stay text.
function inline(text) {
  const parts = text.split('**');
  if (parts.length % 2 === 0) return [text];
  return parts.map((p, i) => (i % 2 === 1 ? h('strong', { text: p }) : p));
}

// renderBody returns a fragment holding the rendered body.
export function renderBody(body) {
  const out = document.createDocumentFragment();
  let para = null;
  let list = null;
  for (const raw of String(body || '').replace(/\r\n/g, '\n').split('\n')) {
    const [tag, text] = classify(raw.trim());
    if (tag === '') {
      para = null;
      list = null;
    } else if (tag === 'p') {
      list = null;
      if (para) para.appendChild(h('br'));
      else out.appendChild(para = h('p'));
      for (const n of inline(text)) para.append(n);
    } else if (tag === 'ul' || tag === 'ol') {
      para = null;
      if (!list || list.tagName.toLowerCase() !== tag) out.appendChild(list = h(tag));
      list.appendChild(h('li', {}, inline(text)));
    } else {
      para = null;
      list = null;
      out.appendChild(h(tag, {}, inline(text)));
    }
  }
  return out;
}
