// applications.js: the application page's decision form offers exactly
// the reasons of the chosen decision (none for 予以公开 and 部分公开), the
// withheld parts only for 部分公开 and the documents only when something
// is disclosed; the notice page's 打印 button prints.

function wireDecision(form) {
  const decision = form.querySelector('#decision');
  const reason = form.querySelector('#reason');
  const show = (id, on) => {
    const field = form.querySelector('#' + id);
    if (!field) return;
    field.hidden = !on;
    for (const el of field.querySelectorAll('input, select, textarea')) el.disabled = !on;
  };
  const update = () => {
    const code = decision.value;
    let offered = 0;
    for (const opt of reason.options) {
      if (!opt.dataset.decision) continue;
      const mine = opt.dataset.decision === code;
      opt.hidden = !mine;
      opt.disabled = !mine;
      if (mine) offered++;
    }
    if (reason.selectedOptions[0] && reason.selectedOptions[0].disabled) reason.value = '';
    show('reason-field', offered > 0);
    show('withheld-field', code === 'partial');
    show('documents-field', code === 'granted' || code === 'partial');
  };
  decision.addEventListener('change', update);
  update();
}

const form = document.getElementById('decide');
if (form) wireDecision(form);

for (const b of document.querySelectorAll('[data-print]')) b.addEventListener('click', () => window.print());
