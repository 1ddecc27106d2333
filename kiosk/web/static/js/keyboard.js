// keyboard.js draws the on-screen keyboards: letters A–Z for pinyin and
// initials plus digits (no Chinese input method needed), and a big numeric
// pad for 查询码.

import { h, icon } from './dom.js';

const LETTER_ROWS = ['1234567890', 'ABCDEFGHI', 'JKLMNOPQR', 'STUVWXYZ'];

function key(label, value, onPress, cls = 'key', ariaLabel = '') {
  return h('button', {
    type: 'button', class: cls, dataset: { key: value }, 'aria-label': ariaLabel || label,
    onclick: () => onPress(value),
  }, label);
}

function actionKey(label, value, iconName, onPress, cls) {
  return h('button', { type: 'button', class: `key key-action ${cls}`, dataset: { key: value }, onclick: () => onPress(value) },
    iconName ? icon(iconName) : null, h('span', { text: label }));
}

// letterKeyboard returns the A–Z and digit keyboard. onPress receives a
// letter or digit, or one of BACK, CLEAR, SPACE, ENTER.
export function letterKeyboard(onPress, enterLabel = '搜索') {
  const rows = LETTER_ROWS.map((row) => h('div', { class: 'key-row' },
    [...row].map((c) => key(c, c, onPress, /\d/.test(c) ? 'key key-digit' : 'key', /\d/.test(c) ? `数字 ${c}` : `字母 ${c}`))));
  rows.push(h('div', { class: 'key-row' },
    actionKey('退格', 'BACK', 'backspace', onPress, 'key-back'),
    actionKey('空格', 'SPACE', '', onPress, 'key-space'),
    actionKey('清空', 'CLEAR', 'close', onPress, 'key-clear'),
    actionKey(enterLabel, 'ENTER', 'search', onPress, 'key-enter')));
  return h('div', { class: 'keyboard', role: 'group', 'aria-label': '屏幕键盘' }, rows);
}

// numberPad returns a 3×4 digit pad. onPress receives a digit, BACK or CLEAR.
export function numberPad(onPress) {
  const rows = ['123', '456', '789'].map((row) => h('div', { class: 'key-row' },
    [...row].map((c) => key(c, c, onPress, 'key key-num', `数字 ${c}`))));
  rows.push(h('div', { class: 'key-row' },
    actionKey('清空', 'CLEAR', 'close', onPress, 'key-num'),
    key('0', '0', onPress, 'key key-num', '数字 0'),
    actionKey('退格', 'BACK', 'backspace', onPress, 'key-num')));
  return h('div', { class: 'numpad', role: 'group', 'aria-label': '数字键盘' }, rows);
}

// editText applies a key press to a text value.
export function editText(value, k, max = 40) {
  switch (k) {
    case 'BACK': return value.slice(0, -1);
    case 'CLEAR': return '';
    case 'SPACE': return value.endsWith(' ') || value === '' ? value : (value + ' ').slice(0, max);
    default: return (value + k).slice(0, max);
  }
}
