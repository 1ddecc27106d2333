// text.js holds the words the kiosk shows and small formatting helpers.
// Texts are plain language for citizens, many of them elderly.

// Hot topics on the home screen. py and initials let the candidate row
// offer them while a citizen types pinyin, even before the server answers
// and when the network is down.
export const HOT_TOPICS = [
  { text: '低保', py: 'dibao', initials: 'db' },
  { text: '医保', py: 'yibao', initials: 'yb' },
  { text: '社保', py: 'shebao', initials: 'sb' },
  { text: '公积金', py: 'gongjijin', initials: 'gjj' },
  { text: '入学', py: 'ruxue', initials: 'rx' },
  { text: '残疾人补贴', py: 'canjirenbutie', initials: 'cjrbt' },
  { text: '高龄津贴', py: 'gaolingjintie', initials: 'gljt' },
  { text: '创业补贴', py: 'chuangyebutie', initials: 'cybt' },
];

// localCandidates returns the hot topics whose pinyin or initials start
// with the letters typed.
export function localCandidates(typed) {
  const q = typed.toLowerCase().replace(/\s+/g, '');
  if (!q || !/^[a-z]+$/.test(q)) return [];
  return HOT_TOPICS.filter((t) => t.initials.startsWith(q) || t.py.startsWith(q)).map((t) => t.text);
}

export const KIND_NAMES = {
  policy: '政策文件',
  interpretation: '政策解读',
  guide: '办事指南',
  other: '其他信息',
};

// Validity values other than 有效 and what they mean in plain words.
export const VALIDITY_NOTES = {
  废止: { badge: '已废止', line: '本文件已废止，不再执行。' },
  失效: { badge: '已失效', line: '本文件已失效，不再执行。' },
  已修订: { badge: '已修订', line: '本文件已被修订，部分内容已有变化。' },
};

// isCurrent reports whether a validity means the document is in force.
export function isCurrent(validity) {
  return !validity || validity === '有效';
}

export const FACET_NAMES = {
  category: '类别',
  agency: '发文机关',
  year: '年份',
  kind: '文件类型',
  validity: '是否有效',
};

// facetLabel is how a facet value is shown on its chip.
export function facetLabel(name, value) {
  if (name === 'kind') return KIND_NAMES[value] || String(value);
  if (name === 'year') return `${value}年`;
  if (name === 'category') return String(value).split('/').pop();
  return String(value);
}

// Query status words, for statuses the server sends as codes.
const STATUS_NAMES = {
  accepted: '已受理',
  received: '已受理',
  assigned: '已转交部门',
  transferred: '已转交部门',
  forwarded: '已转交部门',
  in_progress: '正在办理',
  extended: '已延期办理',
  answered: '已答复',
  closed: '已办结',
  overdue: '已超期',
  complaint: '投诉处理中',
};

export function statusName(s) {
  return STATUS_NAMES[s] || s || '';
}

const pad = (n) => String(n).padStart(2, '0');

// formatDate turns 2024-05-01 (or an RFC 3339 time) into 2024年5月1日.
export function formatDate(s) {
  if (!s) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(s));
  if (!m) return String(s);
  return `${m[1]}年${Number(m[2])}月${Number(m[3])}日`;
}

// formatTime is a time for the offline banner: 5月3日 14:05.
export function formatTime(d) {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) return '';
  return `${d.getMonth() + 1}月${d.getDate()}日 ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// formatClock is the clock in the top bar.
export function formatClock(d) {
  const week = '日一二三四五六'[d.getDay()];
  return `${d.getMonth() + 1}月${d.getDate()}日 星期${week} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// formatDateTime is an RFC 3339 time as 2025年9月30日 14:05.
export function formatDateTime(s) {
  if (!s) return '';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return String(s);
  return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日 ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
