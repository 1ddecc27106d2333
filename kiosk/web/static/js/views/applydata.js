// applydata.js holds the words of the application screens (the codes the
// server takes with their labels, as in hotline/applications) and how
// personal data is masked on screen, where a person behind may be looking.

export const APPLICANTS = [
  { code: 'natural', text: '个人（自然人）', sub: '以您自己的名义申请' },
  { code: 'org', text: '单位（法人或其他组织）', sub: '以企业、机构、社会组织的名义申请' },
];

// ORG_TYPES are the kinds of 法人或其他组织 the annual report counts.
export const ORG_TYPES = [
  { code: 'commercial', text: '商业企业', sub: '公司、个体工商户等' },
  { code: 'research', text: '科研机构', sub: '研究院所、高校的研究单位等' },
  { code: 'public_welfare', text: '社会公益组织', sub: '基金会、志愿服务组织等' },
  { code: 'legal_service', text: '法律服务机构', sub: '律师事务所、法律援助机构等' },
  { code: 'other', text: '其他', sub: '以上都不是的单位' },
];

export const ID_TYPES = [
  { code: 'resident_id', text: '居民身份证' },
  { code: 'passport', text: '护照' },
  { code: 'hk_macao', text: '港澳居民来往内地通行证' },
  { code: 'taiwan', text: '台湾居民来往大陆通行证' },
  { code: 'foreign_permanent', text: '外国人永久居留身份证' },
  { code: 'other', text: '其他有效身份证件' },
];

export const DELIVERIES = [
  { code: 'paper', text: '纸质', sub: '打印在纸上' },
  { code: 'electronic', text: '电子', sub: '电子文件' },
  { code: 'post', text: '邮寄', sub: '寄到您填写的地址' },
];

export const PICKUPS = [
  { code: 'window', text: '当面领取', sub: '到办事窗口领取' },
  { code: 'post', text: '邮寄', sub: '寄到您填写的地址' },
  { code: 'email', text: '电子邮件', sub: '发到您的电子邮箱' },
  { code: 'online', text: '网上获取', sub: '凭查询码在网上查看' },
];

// pickupsFor lists the ways of receiving information given in a form.
export function pickupsFor(delivery) {
  const codes = { paper: ['window', 'post'], electronic: ['email', 'online', 'window'], post: ['post'] }[delivery] || [];
  return PICKUPS.filter((p) => codes.includes(p.code));
}

export function label(list, code) {
  const found = list.find((c) => c.code === code);
  return found ? found.text : '';
}

// applicantLabel names the applicant type as the annual report does.
export function applicantLabel(d) {
  if (d.applicant_type === 'natural') return '自然人';
  const t = label(ORG_TYPES, d.applicant_type);
  return t ? `法人或其他组织（${t}）` : '法人或其他组织';
}

const stars = (n) => '*'.repeat(Math.max(1, n));

// maskName keeps the surname: 张三 → 张*, 欧阳明 → 欧**. An
// organisation's name is public and stays whole.
export function maskName(name, org) {
  const cs = [...(name || '')];
  if (org || cs.length === 0) return name || '';
  return cs[0] + stars(cs.length - 1);
}

// maskMiddle keeps the first and last few characters: 370323********1234.
export function maskMiddle(s, head, tail) {
  const cs = [...(s || '')];
  if (cs.length <= head + tail) return cs.length ? cs[0] + stars(cs.length - 1) : '';
  return cs.slice(0, head).join('') + stars(cs.length - head - tail) + cs.slice(cs.length - tail).join('');
}

// maskAddress shows the first six characters (the county, the town).
export function maskAddress(s) {
  const cs = [...(s || '')];
  return cs.length <= 6 ? cs.join('') : cs.slice(0, 6).join('') + stars(Math.min(8, cs.length - 6));
}

// maskEmail keeps the first letter and the domain: z***@163.com.
export function maskEmail(s) {
  const at = (s || '').indexOf('@');
  if (at < 1) return maskMiddle(s, 1, 0);
  return s[0] + stars(Math.min(6, at - 1)) + s.slice(at);
}

// stepOfField is the screen on which a field named by the server is asked.
export const STEP_OF_FIELD = {
  applicant_type: 'who', name: 'name', id_type: 'idtype', id_number: 'idnumber', credit_code: 'credit',
  contact_person: 'contact', phone: 'phone', department: 'department', information: 'information',
  purpose: 'information', delivery: 'delivery', pickup: 'pickup', address: 'address', email: 'email',
};

// splitCode groups a 查询码 for reading: 1234 5678 90.
export function splitCode(code) {
  return String(code || '').replace(/(\d{4})(?=\d)/g, '$1 ');
}
