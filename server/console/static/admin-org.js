// admin-org.js is what the admin's organisation pages (机构与账号) do in
// the browser beyond console.js's plain forms: forms whose JSON holds a
// list (roles ticked, liaison phones in ring order), the secrets an
// endpoint answers once (initial passwords, SIP passwords, terminal
// tokens), shown where the admin can copy them and nowhere else, and the
// upload of a prompt's WAV file.

import { api, formValues, showErrors, clearErrors } from './console.js';

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || '';

// values is formValues with checkboxes marked data-array gathered into a
// list of their values, radio buttons as the one checked, and the items
// of a data-order list (data-ext) in the order shown.
function values(form, submitter) {
  const out = formValues(form, submitter);
  const arrays = new Set();
  for (const el of form.querySelectorAll('input[type="checkbox"][data-array]')) arrays.add(el.name);
  for (const name of arrays) {
    out[name] = [...form.querySelectorAll(`input[type="checkbox"][data-array][name="${CSS.escape(name)}"]`)]
      .filter((el) => el.checked).map((el) => el.value);
  }
  for (const el of form.querySelectorAll('input[type="radio"]')) {
    if (el.checked) out[el.name] = el.value;
    else if (!form.querySelector(`input[type="radio"][name="${CSS.escape(el.name)}"]:checked`)) delete out[el.name];
  }
  for (const list of form.querySelectorAll('[data-order]')) {
    out[list.dataset.order] = [...list.querySelectorAll('[data-ext]')].map((li) => li.dataset.ext);
  }
  return out;
}

// el makes an element with text.
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

// secretLines says what a response holds that is shown only once.
const secretLines = {
  account: (d) => [`账号 ${d.account.username}（${d.account.display_name}）已创建。`, ['初始密码', d.password]],
  password: (d) => ['密码已重置，本人在其他地方的登录已退出。', ['新密码', d.password]],
  phone: (d) => [`分机 ${d.phone.extension} 的注册信息：`, ['用户名（分机号）', d.phone.extension], ['密码', d.password], ['注册域（realm）', d.realm]],
  terminal: (d) => [`终端“${d.terminal.name}”的设备令牌：`, ['令牌', d.token], ['终端打开的地址', d.kiosk_url]],
};

// showSecret puts a once-only secret in its box, with a way to go on.
function showSecret(box, kind, data) {
  box.replaceChildren();
  const [intro, ...pairs] = secretLines[kind](data);
  box.append(el('h3', '请立即记下，只显示这一次'), el('p', intro));
  const dl = el('dl', undefined, 'secret-values');
  for (const [label, value] of pairs) {
    const row = el('div');
    const dd = el('dd');
    dd.append(el('code', value, 'secret-value'));
    row.append(el('dt', label), dd);
    dl.append(row);
  }
  box.append(dl, el('p', '离开或刷新这个页面后不会再显示；忘记了只能重新生成。', 'hint'));
  const done = el('button', '已记下，刷新页面', 'btn');
  done.type = 'button';
  done.addEventListener('click', () => location.reload());
  box.append(done);
  box.hidden = false;
  box.focus();
}

// Forms with data-org-api="METHOD PATH" post values(form) to the API.
// data-secret names what the answer holds to show once in the element
// data-secret-target; data-then="reload" reloads after success.
for (const form of document.querySelectorAll('form[data-org-api]')) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const [method, path] = form.dataset.orgApi.split(' ');
    const buttons = [...form.querySelectorAll('button[type="submit"]')];
    buttons.forEach((b) => { b.disabled = true; });
    const r = await api(method, path, values(form, e.submitter));
    buttons.forEach((b) => { b.disabled = false; });
    if (!r.ok) {
      showErrors(form, r);
      return;
    }
    clearErrors(form);
    if (form.dataset.secret) {
      form.reset();
      showSecret(document.getElementById(form.dataset.secretTarget), form.dataset.secret, r.data);
      return;
    }
    if (form.dataset.then === 'reload') location.reload();
  });
}

// Forms with data-upload="METHOD PATH" send the file of their input
// name="wav" as the request body.
for (const form of document.querySelectorAll('form[data-upload]')) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const [method, path] = form.dataset.upload.split(' ');
    const input = form.querySelector('input[type="file"]');
    const file = input.files[0];
    if (!file) {
      showErrors(form, { error: '请先选择要上传的 WAV 文件', field: input.name });
      return;
    }
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    let r;
    try {
      const res = await fetch(path, { method, body: file, credentials: 'same-origin', cache: 'no-store',
        headers: { Accept: 'application/json', 'Content-Type': 'audio/wav', 'X-CSRF-Token': csrf() } });
      let data = null;
      try { data = await res.json(); } catch { data = null; }
      r = { ok: res.ok, error: res.ok ? '' : (data && data.error) || `上传没有成功（${res.status}）`, field: (data && data.field) || '' };
    } catch {
      r = { ok: false, error: '网络已断开，请检查网络后重试', field: '' };
    }
    button.disabled = false;
    if (!r.ok) {
      showErrors(form, r);
      return;
    }
    location.reload();
  });
}

// The ring order: 上移 and 下移 move a liaison phone in its list.
for (const button of document.querySelectorAll('[data-move]')) {
  button.addEventListener('click', () => {
    const li = button.closest('li');
    const status = document.getElementById('ring-moved');
    if (button.dataset.move === 'up' && li.previousElementSibling) li.parentElement.insertBefore(li, li.previousElementSibling);
    else if (button.dataset.move === 'down' && li.nextElementSibling) li.parentElement.insertBefore(li.nextElementSibling, li);
    else return;
    button.focus();
    const place = [...li.parentElement.children].indexOf(li) + 1;
    if (status) status.textContent = `分机 ${li.dataset.ext} 现在第 ${place} 个响铃`;
  });
}
