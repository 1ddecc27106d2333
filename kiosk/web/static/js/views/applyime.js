// applyime.js is the kiosk's text entry for the application screens: the
// pinyin input (the letter keyboard types pinyin, full or initials; a row
// of candidates from the server's dictionary turns it into characters),
// plain letters for codes and e-mail addresses, and number pads for phone
// and ID numbers (居民身份证 with an X key). The kiosk has no system input
// method; everything is typed here.
//
// Every field keeps its value in the object it was given and nowhere else,
// so forgetting the application forgets what was typed.

import { h, icon, button } from '../dom.js';
import { letterKeyboard, numberPad } from '../keyboard.js';

const PAGE = 8; // candidates shown at once
const DELAY = 120; // ms between a key and the lookup

// Punctuation a description of information needs (文号, 《名称》 …).
const PUNCT = ['，', '。', '、', '《', '》', '（', '）', '〔', '〕', '-', '号'];

// candidatesFor asks the server for candidates. It resolves to
// {items, error}; error is a sentence for the citizen.
async function candidatesFor(ctx, q, mode, first) {
  const params = new URLSearchParams({ q, limit: '96' });
  if (mode === 'name') {
    params.set('mode', 'name');
    if (first) params.set('first', '1');
  }
  const r = await ctx.api.get('/api/v1/ime?' + params, { content: false, timeout: 15000 });
  if (r.ok && r.data && Array.isArray(r.data.items)) return { items: r.data.items, q: r.data.q };
  if (r.status === 0 || r.offline) return { items: [], error: '网络已断开，暂时不能输入汉字，请稍后再试。' };
  return { items: [], error: r.error || '暂时不能输入汉字，请稍后再试。' };
}

// warmIME asks the server to load its dictionary before the first field.
export function warmIME(ctx) {
  ctx.api.get('/api/v1/ime?q=', { content: false });
}

// nextKey gives the keyboard's enter key the arrow of 下一步 instead of
// the magnifier of 搜索.
function nextKey(kb) {
  const svg = kb.querySelector('[data-key="ENTER"] svg');
  if (svg) svg.replaceWith(icon('next'));
  return kb;
}

// display is the box that shows what has been typed, with the pinyin not
// yet turned into characters underlined after it.
function display(id, labelledBy, placeholder) {
  const text = h('span', { class: 'ime-text' });
  const comp = h('span', { class: 'ime-comp' });
  const caret = h('span', { class: 'ime-caret', 'aria-hidden': 'true' });
  const empty = h('span', { class: 'ime-empty', text: placeholder });
  const box = h('div', { class: 'ime-display', id, role: 'textbox', 'aria-readonly': 'true', 'aria-labelledby': labelledBy,
    'data-speak': '' }, empty, text, comp, caret);
  box.show = (value, composing) => {
    text.textContent = value;
    comp.textContent = composing;
    empty.hidden = Boolean(value || composing);
  };
  return box;
}

// pinyinField is the Chinese text entry. opts: value (the object holding
// the field), key (its property), mode ('name' or 'text'), max (chars),
// labelledBy (the question's id), placeholder, id.
export function pinyinField(ctx, { value, key, mode = 'text', max = 100, labelledBy, placeholder = '', id = 'ime' }) {
  let comp = '';
  let latin = false;
  let page = 0;
  let items = [];
  let seq = 0;
  let timer = 0;
  const box = display(id + '-display', labelledBy, placeholder);
  const compLine = h('p', { class: 'ime-comp-line', id: id + '-pinyin', 'aria-live': 'polite' });
  const cands = h('div', { class: 'ime-cands', id: id + '-cands', role: 'group', 'aria-label': '候选汉字' });
  const hint = h('p', { class: 'ime-hint', id: id + '-hint', role: 'status' });
  const prev = button('前一组', () => turn(-1), { cls: 'chip ime-page', iconName: 'back', id: id + '-prev' });
  const next = button('后一组', () => turn(1), { cls: 'chip ime-page', iconName: 'next', id: id + '-next' });
  const modeKey = button('', () => setLatin(!latin), { cls: 'btn btn-secondary ime-mode', id: id + '-mode' });
  const current = () => value[key] || '';
  const set = (v) => { value[key] = v.slice(0, max); };
  const changed = () => box.dispatchEvent(new CustomEvent('ime:input', { bubbles: true }));

  const show = () => {
    box.show(current(), comp);
    compLine.textContent = comp ? `拼音：${comp}` : '';
    modeKey.querySelector('.btn-label').textContent = latin ? '改为输入汉字' : '改为输入字母';
    modeKey.setAttribute('aria-pressed', String(latin));
    const from = page * PAGE;
    const shown = items.slice(from, from + PAGE);
    cands.replaceChildren(...shown.map((c) => h('button', {
      type: 'button', class: 'chip chip-candidate ime-cand', dataset: { cand: c.text },
      onclick: () => choose(c),
    }, c.text)));
    prev.hidden = page === 0;
    next.hidden = from + PAGE >= items.length;
  };
  const turn = (d) => {
    page = Math.max(0, page + d);
    show();
  };
  const lookup = () => {
    const mine = ++seq;
    clearTimeout(timer);
    page = 0;
    if (!comp) {
      items = [];
      hint.textContent = latin ? '' : '用下面的字母键输入拼音，比如“张”输入 ZHANG，也可以只输入首字母。';
      show();
      return;
    }
    hint.textContent = '正在找字……';
    timer = setTimeout(async () => {
      const r = await candidatesFor(ctx, comp, mode, mode === 'name' && !current());
      if (mine !== seq) return;
      items = r.items;
      hint.textContent = r.error || (items.length ? '请点选您要的字：' : '没有找到这个拼音，请检查拼写。');
      show();
    }, DELAY);
    show();
  };
  const choose = (c) => {
    changed();
    set(current() + c.text);
    comp = comp.slice(c.len);
    lookup();
  };
  const setLatin = (on) => {
    latin = on;
    comp = '';
    lookup();
  };
  const onKey = (k) => {
    changed();
    if (k === 'BACK') {
      if (comp) comp = comp.slice(0, -1);
      else set([...current()].slice(0, -1).join(''));
    } else if (k === 'CLEAR') {
      comp = '';
      set('');
    } else if (k === 'SPACE') {
      if (comp && items.length) {
        choose(items[0]);
        return;
      }
      if (!comp && mode !== 'name') set(current() + ' ');
    } else if (k === 'ENTER') {
      if (comp) {
        hint.textContent = '请先点选上面的汉字，再点“下一步”。';
        return;
      }
      box.dispatchEvent(new CustomEvent('ime:enter', { bubbles: true }));
      return;
    } else if (/^[A-Z]$/.test(k) && !latin) {
      if (comp.length < 32) comp += k.toLowerCase();
    } else if (comp) {
      hint.textContent = '请先点选汉字，再输入数字或符号。';
      return;
    } else {
      set(current() + k);
    }
    lookup();
  };
  const punct = mode === 'text' ? h('div', { class: 'key-row ime-punct', role: 'group', 'aria-label': '标点符号' },
    PUNCT.map((p) => h('button', { type: 'button', class: 'key key-punct', dataset: { key: p }, 'aria-label': `符号 ${p}`, onclick: () => onKey(p) }, p))) : null;
  const kb = nextKey(letterKeyboard(onKey, '下一步'));
  if (punct) kb.appendChild(punct);
  lookup();
  return {
    node: h('div', { class: 'ime', id },
      h('div', { class: 'ime-entry' }, box, compLine, h('div', { class: 'ime-cand-row' }, prev, cands, next), hint,
        mode === 'text' ? modeKey : null),
      h('div', { class: 'ime-keys' }, kb)),
    // pending says whether pinyin waits to be turned into characters.
    pending: () => Boolean(comp),
  };
}

// plainField types letters and digits as they are: a 统一社会信用代码, an
// ID number other than 居民身份证, an e-mail address (extra keys @ . _ -,
// lowercase). opts as pinyinField, with kind 'code' or 'email'.
export function plainField(ctx, { value, key, kind = 'code', max = 40, labelledBy, placeholder = '', id = 'plain' }) {
  const box = display(id + '-display', labelledBy, placeholder);
  const current = () => value[key] || '';
  const show = () => box.show(current(), '');
  const onKey = (k) => {
    let v = current();
    if (k === 'BACK') v = v.slice(0, -1);
    else if (k === 'CLEAR') v = '';
    else if (k === 'SPACE') return;
    else if (k === 'ENTER') {
      box.dispatchEvent(new CustomEvent('ime:enter', { bubbles: true }));
      return;
    } else v += kind === 'email' ? k.toLowerCase() : k.toUpperCase();
    value[key] = v.slice(0, max);
    box.dispatchEvent(new CustomEvent('ime:input', { bubbles: true }));
    show();
  };
  const kb = nextKey(letterKeyboard(onKey, '下一步'));
  if (kind === 'email') {
    kb.appendChild(h('div', { class: 'key-row', role: 'group', 'aria-label': '邮箱符号' },
      ['@', '.', '_', '-'].map((p) => h('button', { type: 'button', class: 'key key-punct', dataset: { key: p }, 'aria-label': `符号 ${p}`, onclick: () => onKey(p) }, p)),
      ['@qq.com', '@163.com'].map((p) => h('button', { type: 'button', class: 'key key-action key-domain', dataset: { key: p }, onclick: () => onKey(p) }, p))));
  }
  show();
  return { node: h('div', { class: 'ime', id }, h('div', { class: 'ime-entry' }, box), h('div', { class: 'ime-keys' }, kb)), pending: () => false };
}

// digitField is a number pad: phone numbers, and ID numbers of 居民身份证
// (withX adds the X of the check digit). Digits are grouped on screen for
// reading (group: sizes of the groups).
export function digitField(ctx, { value, key, max = 20, withX = false, group = [], labelledBy, placeholder = '', id = 'digits' }) {
  const box = display(id + '-display', labelledBy, placeholder);
  box.classList.add('ime-digits');
  const current = () => value[key] || '';
  const grouped = (v) => {
    const out = [];
    let at = 0;
    for (const n of group) {
      if (at >= v.length) break;
      out.push(v.slice(at, at + n));
      at += n;
    }
    if (at < v.length) out.push(v.slice(at));
    return out.join(' ');
  };
  const show = () => box.show(grouped(current()), '');
  const onKey = (k) => {
    let v = current();
    if (k === 'BACK') v = v.slice(0, -1);
    else if (k === 'CLEAR') v = '';
    else v += k;
    value[key] = v.slice(0, max);
    box.dispatchEvent(new CustomEvent('ime:input', { bubbles: true }));
    show();
  };
  const pad = numberPad(onKey);
  if (withX) {
    pad.appendChild(h('div', { class: 'key-row' },
      h('button', { type: 'button', class: 'key key-num key-x', dataset: { key: 'X' }, onclick: () => onKey('X') },
        'X', h('span', { class: 'key-note', text: '身份证末位' }))));
  }
  show();
  return { node: h('div', { class: 'ime ime-pad', id }, h('div', { class: 'ime-entry' }, box), h('div', { class: 'ime-keys' }, pad)), pending: () => false };
}

// choiceButtons are big answers to a question; the chosen one is marked
// with a tick and words, not by colour alone.
export function choiceButtons(choices, chosen, onChoose, name) {
  return h('div', { class: 'apply-choices', role: 'radiogroup', 'aria-label': name },
    choices.map((c) => h('button', {
      type: 'button', class: 'apply-choice' + (c.code === chosen ? ' is-chosen' : ''), role: 'radio',
      'aria-checked': String(c.code === chosen), dataset: { choice: c.code }, onclick: () => onChoose(c.code),
    }, c.code === chosen ? icon('check', 'icon apply-tick') : h('span', { class: 'apply-tick-space', 'aria-hidden': 'true' }),
    h('span', { class: 'apply-choice-text' }, h('span', { class: 'apply-choice-label', text: c.text }),
      c.sub ? h('span', { class: 'apply-choice-sub', text: c.sub }) : null),
    c.code === chosen ? h('span', { class: 'apply-chosen-word', text: '已选' }) : null)));
}
