// apply.js is the guided application for government information
// (依申请公开) at the kiosk: one question per screen with big buttons, the
// progress (第 2 步，共 9 步), 上一步/下一步, a confirmation that reads
// everything back with personal data masked, the submission, and the
// 查询码 with the due date, a receipt to print and the way to check it.
//
// Each step is a screen of the router, so the bottom bar's 返回 is 上一步
// too. What the citizen typed lives only in the draft object the steps'
// parameters share: the idle reset empties the router and with it the
// draft, and a submitted application's draft is emptied at once.

import { h, icon, button } from '../dom.js';
import { formatDate } from '../text.js';
import { newIdempotencyKey } from '../api.js';
import { pinyinField, plainField, digitField, choiceButtons, warmIME } from './applyime.js';
import {
  APPLICANTS, ORG_TYPES, ID_TYPES, DELIVERIES, PICKUPS, pickupsFor, label, applicantLabel,
  maskName, maskMiddle, maskAddress, maskEmail, STEP_OF_FIELD, splitCode,
} from './applydata.js';
import { receiptAction } from './applyreceipt.js';
import { pager } from './pager.js';

const natural = (d) => d.applicant_type === 'natural';
const org = (d) => d.org === true;

// need is the message for a step answered with nothing.
const need = (v, msg) => (String(v || '').trim() ? '' : msg);

// STEPS in order. show: whether the step applies to this draft; check:
// what is missing ('' when the step is answered).
const STEPS = [
  { id: 'who', show: () => true, check: (d) => (d.org === undefined ? '请选择是个人还是单位申请。' : '') },
  { id: 'orgtype', show: org, check: (d) => (ORG_TYPES.some((t) => t.code === d.applicant_type) ? '' : '请选择单位的类别。') },
  { id: 'name', show: () => true, check: (d) => need(d.name, org(d) ? '请输入单位名称。' : '请输入您的姓名。') },
  { id: 'idtype', show: natural, check: (d) => need(d.id_type, '请选择证件类型。') },
  {
    id: 'idnumber', show: natural, check: (d) => need(d.id_number, '请输入证件号码。') ||
      (d.id_type === 'resident_id' && d.id_number.length !== 18 ? '居民身份证号码应为18位，请核对。' : ''),
  },
  { id: 'credit', show: org, check: (d) => need(d.credit_code, '请输入统一社会信用代码。') || (d.credit_code.length !== 18 ? '统一社会信用代码应为18位，请核对。' : '') },
  { id: 'contact', show: org, check: (d) => need(d.contact_person, '请输入联系人姓名。') },
  { id: 'phone', show: () => true, check: (d) => need(d.phone, '请输入联系电话。') || (d.phone.length < 7 ? '电话号码位数不够，请核对。' : '') },
  { id: 'department', show: () => true, check: (d) => need(d.department, '请选择向哪个部门申请。') },
  { id: 'information', show: () => true, check: (d) => need(d.information, '请写明您想要的信息。') },
  { id: 'delivery', show: () => true, check: (d) => need(d.delivery, '请选择信息的形式。') },
  { id: 'pickup', show: (d) => pickupsFor(d.delivery).length > 1, check: (d) => need(d.pickup, '请选择获取方式。') },
  { id: 'address', show: (d) => d.pickup === 'post' || d.delivery === 'post', check: (d) => need(d.address, '请输入邮寄地址。') },
  {
    id: 'email', show: (d) => d.pickup === 'email',
    check: (d) => need(d.email, '请输入电子邮箱。') || (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(d.email) ? '' : '电子邮箱的格式不对，请核对。'),
  },
  { id: 'confirm', show: () => true, check: () => '' },
];

const stepById = (id) => STEPS.find((s) => s.id === id);
const shown = (d) => STEPS.filter((s) => s.show(d));

// newDraft starts an application, pre-filled from a 依申请公开 document.
function newDraft(fromDoc) {
  const d = { department: '', department_name: '', information: '' };
  if (fromDoc) {
    const parts = [fromDoc.doc_number && `文号：${fromDoc.doc_number}`, fromDoc.index_no && `索引号：${fromDoc.index_no}`].filter(Boolean);
    d.information = `《${fromDoc.title}》` + (parts.length ? `（${parts.join('，')}）` : '');
    d.agency = fromDoc.agency || '';
  }
  return d;
}

// departments loads the list once per application.
async function departments(ctx, d) {
  if (d.departments) return d.departments;
  const r = await ctx.api.get('/api/v1/departments');
  d.departments = (r.ok && r.data && r.data.items) || [];
  if (d.agency && !d.department) {
    const found = d.departments.find((x) => x.full_name === d.agency || x.name === d.agency);
    if (found) {
      d.department = found.code;
      d.department_name = found.name;
    }
  }
  return d.departments;
}

// fieldError strips the field's name the server may put before its message.
function fieldError(r) {
  const msg = r.error || '';
  return r.data && r.data.field && msg.startsWith(r.data.field + ': ') ? msg.slice(r.data.field.length + 2) : msg;
}

// flow moves between the steps of one draft.
function flow(ctx, params) {
  const d = params.draft;
  const go = (id, extra = {}) => ctx.router.go('apply', { draft: d, step: id, ...extra });
  return {
    next() {
      const cur = stepById(params.step);
      const msg = cur.check(d);
      if (msg) return msg;
      const list = shown(d);
      const after = list.slice(list.indexOf(cur) + 1);
      // Changing an answer from the confirmation goes back to it, through
      // the steps the change made necessary.
      const target = params.returnTo ? after.find((s) => s.check(d)) || stepById('confirm') : after[0];
      go(target.id, params.returnTo ? { returnTo: params.returnTo } : {});
      return '';
    },
    edit: (id) => go(id, { returnTo: 'confirm' }),
    back: () => ctx.router.back(),
  };
}

function frame(params, step, { title, lead, body, nav = true, onNext, error, pageBar = null }) {
  const list = shown(params.draft);
  const at = list.findIndex((s) => s.id === step.id) + 1;
  // The page's CSP allows no style attributes; the CSSOM is fine.
  const fill = h('span', { class: 'apply-bar-fill' });
  fill.style.width = `${Math.round((at / list.length) * 100)}%`;
  const alert = h('div', { class: 'notice notice-warn apply-error', id: 'apply-error', role: 'alert', 'data-speak': '', hidden: !error },
    icon('warn'), h('p', { text: error || '' }));
  const say = (msg) => {
    alert.querySelector('p').textContent = msg;
    alert.hidden = !msg;
  };
  const next = button(step.id === 'confirm' ? '提交申请' : '下一步', () => onNext(say), { cls: 'btn btn-primary apply-next', iconName: 'next', id: 'apply-next' });
  const view = h('div', { class: 'apply-flow', dataset: { step: step.id } },
    h('header', { class: 'apply-head' },
      h('p', { class: 'apply-progress', id: 'apply-progress', 'data-speak': '' }, `第 ${at} 步，共 ${list.length} 步`,
        h('span', { class: 'apply-bar', 'aria-hidden': 'true' }, fill)),
      h('h1', { class: 'page-title apply-title', id: 'apply-q', 'data-speak': '', text: title }),
      lead ? h('p', { class: 'lead apply-lead', 'data-speak': '', text: lead }) : null),
    alert, body,
    // The page buttons come last: they show up once the box is measured,
    // and must not move the buttons a finger is already reaching for.
    nav ? h('nav', { class: 'apply-nav', 'aria-label': '申请步骤' },
      button('上一步', () => params.flow.back(), { cls: 'btn btn-secondary apply-prev', iconName: 'back', id: 'apply-prev' }), next, pageBar) : null);
  // The keyboard's 下一步 key does what the button does; typing again
  // clears the last complaint.
  view.addEventListener('ime:enter', () => onNext(say));
  view.addEventListener('ime:input', () => say(''));
  return view;
}

// choiceStep is a question answered by one tap: the answer is taken and
// the next step opens.
function choiceStep(params, step, title, lead, choices, chosen, onChoose, error) {
  let say = () => {};
  const body = choiceButtons(choices, chosen, (code) => {
    onChoose(code);
    const msg = params.flow.next();
    if (msg) say(msg);
  }, title);
  const view = frame(params, step, {
    title, lead, body, error, pageBar: pager(body, '选项', 'apply-pager'),
    onNext: (s) => {
      const msg = params.flow.next();
      if (msg) s(msg);
    },
  });
  say = (msg) => {
    const a = view.querySelector('#apply-error');
    a.querySelector('p').textContent = msg;
    a.hidden = !msg;
  };
  return view;
}

// fieldStep is a question answered on a keyboard.
function fieldStep(params, step, title, lead, field, error) {
  return frame(params, step, {
    title, lead, error,
    body: h('div', { class: 'apply-field' }, field.node),
    onNext: (say) => {
      if (field.pending()) {
        say('还有拼音没有选字，请先点选上面的汉字。');
        return;
      }
      const msg = params.flow.next();
      if (msg) say(msg);
    },
  });
}

const RENDER = {
  who(ctx, p, d, err) {
    return choiceStep(p, stepById('who'), '谁来申请？', '请选择以谁的名义申请公开政府信息。', APPLICANTS,
      d.org === undefined ? '' : d.org ? 'org' : 'natural', (code) => {
        d.org = code === 'org';
        if (!d.org) d.applicant_type = 'natural';
        else if (d.applicant_type === 'natural') d.applicant_type = '';
      }, err);
  },
  orgtype(ctx, p, d, err) {
    return choiceStep(p, stepById('orgtype'), '是哪一类单位？', '请选择申请单位的类别。', ORG_TYPES, d.applicant_type,
      (code) => { d.applicant_type = code; }, err);
  },
  name(ctx, p, d, err) {
    const o = org(d);
    return fieldStep(p, stepById('name'), o ? '请输入单位名称' : '请输入您的姓名',
      o ? '用下面的字母键输入拼音，再点选汉字。名称要和营业执照或登记证书一致。' : '用下面的字母键输入拼音，比如张三输入 ZHANGSAN 或 ZS，再点选汉字。',
      pinyinField(ctx, { value: d, key: 'name', mode: o ? 'text' : 'name', max: o ? 100 : 30, labelledBy: 'apply-q', placeholder: o ? '单位名称' : '姓名', id: 'name' }), err);
  },
  idtype(ctx, p, d, err) {
    return choiceStep(p, stepById('idtype'), '您用什么证件？', '请选择您的身份证件。', ID_TYPES, d.id_type,
      (code) => {
        if (code !== d.id_type) d.id_number = '';
        d.id_type = code;
      }, err);
  },
  idnumber(ctx, p, d, err) {
    const resident = d.id_type === 'resident_id';
    const field = resident
      ? digitField(ctx, { value: d, key: 'id_number', max: 18, withX: true, group: [6, 8, 4], labelledBy: 'apply-q', placeholder: '18位身份证号码', id: 'idnumber' })
      : plainField(ctx, { value: d, key: 'id_number', kind: 'code', max: 30, labelledBy: 'apply-q', placeholder: '证件号码', id: 'idnumber' });
    return fieldStep(p, stepById('idnumber'), `请输入${label(ID_TYPES, d.id_type) || '证件'}号码`,
      resident ? '最后一位是 X 的，请点“X”键。' : '用下面的键盘输入字母和数字。', field, err);
  },
  credit(ctx, p, d, err) {
    return fieldStep(p, stepById('credit'), '请输入统一社会信用代码', '18位，由数字和大写字母组成，在营业执照或登记证书上。',
      plainField(ctx, { value: d, key: 'credit_code', kind: 'code', max: 18, labelledBy: 'apply-q', placeholder: '统一社会信用代码', id: 'credit' }), err);
  },
  contact(ctx, p, d, err) {
    return fieldStep(p, stepById('contact'), '请输入联系人姓名', '办理中有问题时，工作人员会联系这个人。',
      pinyinField(ctx, { value: d, key: 'contact_person', mode: 'name', max: 30, labelledBy: 'apply-q', placeholder: '联系人姓名', id: 'contact' }), err);
  },
  phone(ctx, p, d, err) {
    return fieldStep(p, stepById('phone'), '请输入联系电话', '手机或座机号码都可以，座机请带区号。',
      digitField(ctx, { value: d, key: 'phone', max: 12, group: [3, 4, 4], labelledBy: 'apply-q', placeholder: '电话号码', id: 'phone' }), err);
  },
  async department(ctx, p, d, err) {
    const list = await departments(ctx, d);
    const step = stepById('department');
    if (!list.length) {
      return frame(p, step, {
        title: '向哪个部门申请？', error: err || '暂时无法读取部门名单，请稍后再试，或咨询工作人员。', body: null,
        onNext: (say) => say('暂时无法读取部门名单，请稍后再试。'),
      });
    }
    return choiceStep(p, step, '向哪个部门申请？', d.agency && d.department ? `这份文件由${d.agency}发布，已为您选好，也可以改选。` : '请选择掌握这份信息的部门。不清楚的，可以选“县政府办公室”。',
      list.map((x) => ({ code: x.code, text: x.name, sub: x.full_name !== x.name ? x.full_name : '' })), d.department,
      (code) => {
        d.department = code;
        d.department_name = (list.find((x) => x.code === code) || {}).name || '';
      }, err);
  },
  information(ctx, p, d, err) {
    return fieldStep(p, stepById('information'), '您想要哪些政府信息？',
      '请写清楚文件的名称、文号，或者大概内容和时间，比如“2024年低保资金发放名单”。',
      pinyinField(ctx, { value: d, key: 'information', mode: 'text', max: 500, labelledBy: 'apply-q', placeholder: '所需信息的名称、文号或内容', id: 'information' }), err);
  },
  delivery(ctx, p, d, err) {
    return choiceStep(p, stepById('delivery'), '您要什么形式的信息？', '请选择政府信息的提供形式。', DELIVERIES, d.delivery,
      (code) => {
        d.delivery = code;
        const ways = pickupsFor(code);
        if (!ways.some((w) => w.code === d.pickup)) d.pickup = ways.length === 1 ? ways[0].code : '';
      }, err);
  },
  pickup(ctx, p, d, err) {
    return choiceStep(p, stepById('pickup'), '您想怎样拿到信息？', '请选择获取信息的方式。', pickupsFor(d.delivery), d.pickup,
      (code) => { d.pickup = code; }, err);
  },
  address(ctx, p, d, err) {
    return fieldStep(p, stepById('address'), '请输入邮寄地址', '写到门牌号，比如“沂源县历山街道胜利路12号”。',
      pinyinField(ctx, { value: d, key: 'address', mode: 'text', max: 200, labelledBy: 'apply-q', placeholder: '邮寄地址', id: 'address' }), err);
  },
  email(ctx, p, d, err) {
    return fieldStep(p, stepById('email'), '请输入电子邮箱', '信息会发到这个邮箱。',
      plainField(ctx, { value: d, key: 'email', kind: 'email', max: 80, labelledBy: 'apply-q', placeholder: '例如 zhangsan@163.com', id: 'email' }), err);
  },
  confirm(ctx, p, d, err) {
    return confirmStep(ctx, p, d, err);
  },
};

// confirmRows are the answers read back, personal data masked.
function confirmRows(d) {
  const o = org(d);
  return [
    ['who', '申请人类型', applicantLabel(d)],
    ['name', o ? '单位名称' : '姓名', maskName(d.name, o)],
    !o && ['idtype', '证件类型', label(ID_TYPES, d.id_type)],
    !o && ['idnumber', '证件号码', maskMiddle(d.id_number, 3, 4)],
    o && d.credit_code && ['credit', '统一社会信用代码', d.credit_code],
    o && ['contact', '联系人', maskName(d.contact_person, false)],
    ['phone', '联系电话', maskMiddle(d.phone, 3, 4)],
    ['department', '申请部门', d.department_name],
    ['information', '所需信息', d.information],
    ['delivery', '提供形式', label(DELIVERIES, d.delivery)],
    ['pickup', '获取方式', label(PICKUPS, d.pickup)],
    (d.pickup === 'post' || d.delivery === 'post') && ['address', '邮寄地址', maskAddress(d.address)],
    d.pickup === 'email' && ['email', '电子邮箱', maskEmail(d.email)],
  ].filter(Boolean);
}

function confirmStep(ctx, p, d, err) {
  const step = stepById('confirm');
  const rows = confirmRows(d);
  const list = h('dl', { class: 'apply-review', id: 'apply-review' }, rows.map(([id, k, v]) => h('div', { class: 'apply-review-row', dataset: { row: id } },
    h('dt', { 'data-speak': '', text: k }),
    h('dd', {}, h('span', { class: 'apply-value', 'data-speak': '', text: v || '（未填写）' }),
      button('修改', () => p.flow.edit(id), { cls: 'btn btn-secondary apply-edit', 'aria-label': `修改${k}`, dataset: { edit: id } })))));
  let busy = false;
  const submit = async (say) => {
    if (busy) return;
    const missing = shown(d).find((s) => s.check(d));
    if (missing) {
      p.flow.edit(missing.id);
      return;
    }
    busy = true;
    say('');
    const btn = document.getElementById('apply-next');
    if (btn) {
      btn.disabled = true;
      btn.querySelector('.btn-label').textContent = '正在提交……';
    }
    // One Idempotency-Key per content submitted: a retry after a lost
    // answer (api.js's own, or the citizen pressing again) is applied
    // once; changed content is a new submission with a new key.
    const sent = body(d);
    const json = JSON.stringify(sent);
    if (!d.submission || d.submission.json !== json) d.submission = { json, key: newIdempotencyKey() };
    const r = await ctx.api.post('/api/v1/applications', sent, { device: true, timeout: 20000, key: d.submission.key });
    busy = false;
    if (r.ok && r.data && r.data.code) {
      submitted(ctx, d, r.data);
      return;
    }
    if (btn) {
      btn.disabled = false;
      btn.querySelector('.btn-label').textContent = '提交申请';
    }
    const field = r.data && r.data.field;
    if (r.status === 400 && field && STEP_OF_FIELD[field] && stepById(STEP_OF_FIELD[field]).show(d)) {
      ctx.router.go('apply', { draft: d, step: STEP_OF_FIELD[field], returnTo: 'confirm', error: fieldError(r) });
      return;
    }
    say(r.status === 0 || r.offline ? '网络已断开，申请没有提交。请稍后再试，或到“依申请公开”窗口办理。'
      : r.status === 429 ? '提交太频繁了，请等几分钟再试。'
        : r.status === 409 ? '申请还在提交中，请稍等几秒再点“提交申请”。'
        : fieldError(r) || '申请没有提交成功，请稍后再试，或咨询工作人员。');
  };
  // The read-back scrolls in a box of its own, with page buttons when it
  // is longer than the box (elder mode).
  const box = h('div', { class: 'apply-confirm', id: 'apply-confirm', tabindex: '0', 'aria-labelledby': 'apply-q' }, list,
    h('p', { class: 'tip apply-law', 'data-speak': '', text: '根据《中华人民共和国政府信息公开条例》，政府部门一般在收到申请后20个工作日内答复；需要延长的，最多再延长20个工作日。' }));
  return frame(p, step, {
    title: '请核对申请内容', lead: '为保护您的隐私，姓名、证件号码和电话只显示一部分。确认无误请点“提交申请”。',
    body: box, onNext: submit, error: err, pageBar: pager(box, '核对内容', 'apply-pager'),
  });
}

// body is the request the server takes.
function body(d) {
  const o = org(d);
  const out = {
    channel: 'kiosk', department: d.department, applicant_type: d.applicant_type, name: d.name.trim(),
    phone: d.phone, information: d.information.trim(), purpose: '', delivery: d.delivery, pickup: d.pickup,
    address: (d.pickup === 'post' || d.delivery === 'post') ? (d.address || '').trim() : '',
    email: d.pickup === 'email' ? d.email || '' : '',
  };
  if (o) Object.assign(out, { credit_code: d.credit_code || '', contact_person: (d.contact_person || '').trim(), id_type: '', id_number: '' });
  else Object.assign(out, { id_type: d.id_type, id_number: d.id_number, credit_code: '', contact_person: '' });
  return out;
}

// submitted forgets the draft (every step's parameters share it) and the
// steps themselves, then shows the 查询码.
function submitted(ctx, d, res) {
  const done = { code: res.code, due_date: res.due_date, department: res.department || d.department_name };
  for (const k of Object.keys(d)) delete d[k];
  ctx.router.stack = ctx.router.stack.filter((e) => e.name !== 'apply');
  ctx.router.go('apply', { done });
}

function doneView(ctx, done) {
  const spoken = [...String(done.code)].join(' ');
  return h('div', { class: 'apply-flow apply-done', dataset: { step: 'done' } },
    h('div', { class: 'apply-done-main' },
      h('h1', { class: 'page-title', 'data-speak': '' }, icon('check', 'icon apply-done-icon'), '申请已提交'),
      h('p', { class: 'lead', text: '您的查询码是：' }),
      h('p', { class: 'apply-code', id: 'apply-code', 'aria-label': `查询码 ${spoken}` }, splitCode(done.code)),
      h('p', { class: 'sr-only', 'data-speak': '', text: `您的查询码是 ${spoken}` }),
      h('dl', { class: 'meta apply-done-meta', 'data-speak': '' },
        done.department ? h('div', { class: 'meta-row' }, h('dt', { text: '受理部门' }), h('dd', { text: done.department })) : null,
        done.due_date ? h('div', { class: 'meta-row' }, h('dt', { text: '答复期限' }), h('dd', { id: 'apply-due', text: `${formatDate(done.due_date)}前` })) : null),
      h('p', { class: 'notice apply-keep', 'data-speak': '' }, icon('warn'),
        h('span', { text: '请记下或拍照保存查询码。凭查询码可以在查询机“查询办理进度”、政府网站上查询，也可以拨打 96128 询问。' }))),
    h('div', { class: 'apply-done-actions' },
      receiptAction(ctx, done),
      button('查询办理进度', () => ctx.router.go('code', { code: done.code }), { cls: 'btn btn-secondary btn-wide', iconName: 'keypad', id: 'apply-status' }),
      button('返回首页', () => ctx.router.home(), { cls: 'btn btn-secondary btn-wide', iconName: 'home', id: 'apply-home' })));
}

// apply is the router's view: params.step names the screen of
// params.draft; params.done shows a submitted application.
export async function apply(ctx, params) {
  if (params.done) return doneView(ctx, params.done);
  if (!params.draft) {
    params.draft = newDraft(params.doc);
    warmIME(ctx);
  }
  if (!params.step) params.step = 'who';
  params.flow = flow(ctx, params);
  const err = params.error || '';
  params.error = '';
  return RENDER[params.step](ctx, params, params.draft, err);
}
