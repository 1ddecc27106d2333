// dom.js builds elements without ever parsing HTML: every text the server
// sends is put in text nodes, so a document can never inject markup.

const SVG = 'http://www.w3.org/2000/svg';

// Outline icons on a 24×24 grid, drawn with the current text colour.
const ICONS = {
  home: ['M3 11l9-8 9 8', 'M5 10v10h5v-6h4v6h5V10'],
  search: ['M11 4a7 7 0 1 0 0 14a7 7 0 1 0 0-14z', 'M16.5 16.5L21 21'],
  back: ['M15 4l-8 8 8 8'],
  up: ['M4 15l8-8 8 8'],
  down: ['M4 9l8 8 8-8'],
  filter: ['M3 5h18l-7 8v6l-4 2v-8z'],
  next: ['M9 4l8 8-8 8'],
  text: ['M3 20L9 4l6 16', 'M5.2 14h7.6', 'M15 20l3.5-9 3.5 9', 'M16.2 17h4.6'],
  speaker: ['M3 9h4l6-5v16l-6-5H3z', 'M16 9a4 4 0 0 1 0 6', 'M18.5 6a8 8 0 0 1 0 12'],
  keypad: ['M5 4h3v3H5z', 'M10.5 4h3v3h-3z', 'M16 4h3v3h-3z', 'M5 10h3v3H5z', 'M10.5 10h3v3h-3z',
    'M16 10h3v3h-3z', 'M5 16h3v3H5z', 'M10.5 16h3v3h-3z', 'M16 16h3v3h-3z'],
  help: ['M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z', 'M9.5 9.5a2.5 2.5 0 1 1 3.6 2.2c-.8.4-1.1 1-1.1 1.8v.5', 'M12 17v.5'],
  print: ['M7 9V3h10v6', 'M7 17H4V9h16v8h-3', 'M7 14h10v7H7z'],
  ban: ['M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z', 'M5.7 5.7l12.6 12.6'],
  warn: ['M12 3L2 21h20z', 'M12 10v5', 'M12 18v.5'],
  check: ['M4 12l5 5L20 6'],
  close: ['M6 6l12 12', 'M18 6L6 18'],
  backspace: ['M8 5h13v14H8l-6-7z', 'M11 9l6 6', 'M17 9l-6 6'],
  doc: ['M6 3h9l4 4v14H6z', 'M14 3v5h5', 'M9 12h7', 'M9 16h7'],
  phone: ['M5 3h4l2 5-2.5 1.5a11 11 0 0 0 6 6L16 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 5a2 2 0 0 1 2-2z'],
  offline: ['M3 3l18 18', 'M8.5 16.5a5 5 0 0 1 7 0', 'M5 12.5a10 10 0 0 1 4.5-2.4', 'M19 12.5a10 10 0 0 0-2.6-1.8', 'M12 20v.5'],
  qr: ['M4 4h6v6H4z', 'M14 4h6v6h-6z', 'M4 14h6v6H4z', 'M14 14h2v2h-2z', 'M18 18h2v2h-2z', 'M14 18h2', 'M18 14h2'],
  tag: ['M3 12V3h9l9 9-9 9z', 'M7.5 7.5v.5'],
};

// icon returns an SVG icon element; it is decorative (aria-hidden).
export function icon(name, cls = 'icon') {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', cls);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const d of ICONS[name] || []) {
    const p = document.createElementNS(SVG, 'path');
    p.setAttribute('d', d);
    svg.appendChild(p);
  }
  return svg;
}

// fillIcons replaces every [data-icon] placeholder in root by its icon.
export function fillIcons(root) {
  for (const el of root.querySelectorAll('[data-icon]')) {
    el.replaceChildren(icon(el.dataset.icon));
  }
}

// h creates an element. attrs: class, text, on* handlers (functions),
// dataset (object), hidden/disabled (booleans), anything else as attribute.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

// button creates a touch button with an optional icon before its label.
export function button(label, onclick, { cls = 'btn', iconName = '', ...attrs } = {}) {
  return h('button', { type: 'button', class: cls, onclick, ...attrs },
    iconName ? icon(iconName) : null, h('span', { class: 'btn-label', text: label }));
}

// $ finds one element by id.
export function $(id) {
  return document.getElementById(id);
}
