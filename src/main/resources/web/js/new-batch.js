// New batch: the settings, a recipient file checked by the server, a preview, then submit.
import { allAgents, api, describe } from './api.js';
import { clear, count, empty, errorBox, h } from './ui.js';

const PREVIEW_ROWS = 100;

export async function render(main) {
  clear(main, h('h1', {}, 'New batch'), h('p', { class: 'muted' }, 'Loading…'));
  let agents;
  let numbers;
  try {
    [agents, numbers] = await Promise.all([allAgents(), api('GET', '/v1/convai/phone-numbers')]);
  } catch (error) {
    clear(main, h('h1', {}, 'New batch'), errorBox(error));
    return;
  }
  if (!agents.length || !numbers.length) {
    clear(main, h('h1', {}, 'New batch'), empty(
      'A batch needs an agent and a phone number to call from. Create them first.',
      h('div', { class: 'actions' }, h('a', { class: 'button', href: '#/agents' }, 'Agents'),
        h('a', { class: 'button', href: '#/phone-numbers' }, 'Phone numbers'))));
    return;
  }
  let checked = null; // the validate endpoint's answer for the chosen file
  let dropped = false;

  const name = h('input', { type: 'text', id: 'batch-name', required: true, maxlength: '200' });
  const agent = h('select', { id: 'batch-agent', required: true },
    agents.map((a) => h('option', { value: a.agent_id }, a.name)));
  const caller = h('select', { id: 'batch-caller' });
  const fillCallers = () => {
    const assigned = numbers.filter((n) => n.assigned_agent?.agent_id === agent.value);
    clear(caller, assigned.length ? null : h('option', { value: '', disabled: true }, 'This agent has no number: choose one'),
      numbers.map((n) => h('option', { value: n.phone_number_id }, `${n.label} (${n.phone_number}, ${n.provider})`)));
    caller.value = (assigned[0] ?? numbers[0]).phone_number_id;
  };
  agent.addEventListener('change', fillCallers);
  fillCallers();

  const startNow = h('input', { type: 'radio', name: 'start', id: 'start-now', value: 'now', checked: true });
  const startLater = h('input', { type: 'radio', name: 'start', id: 'start-later', value: 'later' });
  const when = h('input', { type: 'datetime-local', id: 'start-at' });
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC'];
  const here = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zone = h('select', { id: 'start-zone' }, zones.map((z) => h('option', { value: z }, z)));
  zone.value = zones.includes(here) ? here : zones[0];
  const later = h('div', { class: 'grid hidden', id: 'later-fields' },
    h('div', { class: 'field' }, h('label', { for: 'start-at' }, 'Date and time'), when),
    h('div', { class: 'field' }, h('label', { for: 'start-zone' }, 'Time zone'), zone));
  for (const radio of [startNow, startLater]) {
    radio.addEventListener('change', () => later.classList.toggle('hidden', startNow.checked));
  }
  const concurrency = h('input', { type: 'number', id: 'batch-concurrency', min: '1', placeholder: 'Workspace default' });
  const ringing = h('input', { type: 'number', id: 'batch-ringing', min: '1', max: '999', value: '60' });

  const file = h('input', { type: 'file', id: 'recipients-file', accept: '.csv,.xlsx,text/csv,'
    + 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
  const preview = h('div', { id: 'preview', 'aria-live': 'polite' });
  const outcome = h('div', { id: 'submit-result', 'aria-live': 'assertive' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'submit-batch', disabled: true }, 'Create batch');

  file.addEventListener('change', async () => {
    checked = null;
    dropped = false;
    updateSubmit();
    if (!file.files.length) { clear(preview); return; }
    clear(preview, h('p', { class: 'muted' }, 'Checking the file…'));
    try {
      checked = await checkRecipientFile(file.files[0]);
      if (!name.value) name.value = file.files[0].name.replace(/\.(csv|xlsx)$/i, '');
      showPreview();
    } catch (error) {
      clear(preview, errorBox(error), h('p', {}, 'Fix the file and choose it again.'));
    }
    updateSubmit();
  });

  function showPreview() {
    const report = validationReport(checked, () => { dropped = true; updateSubmit(); });
    const variables = checked.columns.dynamic_variables;
    const overrides = checked.columns.overrides;
    const rows = checked.recipients.slice(0, PREVIEW_ROWS);
    const value = (r, column) => {
      const data = r.conversation_initiation_client_data ?? {};
      if (variables.includes(column)) return String(data.dynamic_variables?.[column] ?? '');
      const o = data.conversation_config_override ?? {};
      return { language: o.agent?.language, first_message: o.agent?.first_message,
        system_prompt: o.agent?.prompt?.prompt, voice_id: o.tts?.voice_id }[column.toLowerCase()] ?? '';
    };
    clear(preview, report, h('h2', {}, 'Preview'),
      checked.recipients.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'preview-table' },
        h('caption', { class: 'muted small' }, checked.recipients.length > PREVIEW_ROWS
          ? `The first ${PREVIEW_ROWS} of ${count(checked.recipients.length)} recipients` : `${count(checked.recipients.length)} recipients`),
        h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'Row'), h('th', {}, 'phone_number'),
          variables.map((v) => h('th', {}, v)), overrides.map((o) => h('th', {}, `${o} (override)`)))),
        h('tbody', {}, rows.map((r, i) => h('tr', {}, h('td', { class: 'num' }, checked.recipient_rows[i]),
          h('td', { class: 'mono' }, r.phone_number), [...variables, ...overrides].map((col) => h('td', {}, value(r, col))))))))
        : empty('No row of the file can be called.'));
  }

  function updateSubmit() {
    const ready = checked && checked.recipients.length > 0 && (checked.errors.length === 0 || dropped);
    submit.disabled = !ready;
    submit.textContent = checked?.recipients.length
      ? `Create batch with ${count(checked.recipients.length)} recipients` : 'Create batch';
  }

  const form = h('form', { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    clear(outcome);
    const problems = [];
    if (!name.value.trim()) problems.push('Give the batch a name.');
    let scheduled;
    if (startLater.checked) {
      if (!when.value) problems.push('Choose the date and time to start, or start now.');
      else scheduled = unixSeconds(when.value, zone.value);
    }
    if (problems.length) {
      clear(outcome, h('div', { class: 'error', role: 'alert' }, problems.join(' ')));
      return;
    }
    const body = {
      call_name: name.value.trim(),
      agent_id: agent.value,
      agent_phone_number_id: caller.value || undefined,
      recipients: checked.recipients,
      timezone: startLater.checked ? zone.value : here,
      scheduled_time_unix: scheduled,
      target_concurrency_limit: concurrency.value ? Number(concurrency.value) : undefined,
      telephony_call_config: { ringing_timeout_secs: Number(ringing.value || 60) },
    };
    submit.disabled = true;
    try {
      const created = await api('POST', '/v1/convai/batch-calling/submit', { json: body });
      location.hash = `#/batches/${encodeURIComponent(created.id)}`;
    } catch (error) {
      clear(outcome, errorBox(error));
      if (error.problems?.length) outcome.append(h('p', { class: 'small muted' }, error.problems.map(describe).join('; ')));
      submit.disabled = false;
    }
  } },
  h('div', { class: 'card' },
    h('div', { class: 'grid' },
      h('div', { class: 'field' }, h('label', { for: 'batch-name' }, 'Name'), name),
      h('div', { class: 'field' }, h('label', { for: 'batch-agent' }, 'Agent'), agent),
      h('div', { class: 'field' }, h('label', { for: 'batch-caller' }, 'Call from'), caller)),
    h('div', { class: 'radio-row', role: 'radiogroup', 'aria-label': 'Start' },
      h('span', { class: 'muted small' }, 'Start'),
      h('span', {}, startNow, ' ', h('label', { for: 'start-now' }, 'Now')),
      h('span', {}, startLater, ' ', h('label', { for: 'start-later' }, 'At a date and time'))),
    later,
    h('div', { class: 'grid' },
      h('div', { class: 'field' }, h('label', { for: 'batch-concurrency' }, 'Concurrency limit (calls at once)'), concurrency),
      h('div', { class: 'field' }, h('label', { for: 'batch-ringing' }, 'Ringing timeout (seconds)'), ringing))),
  h('div', { class: 'card' },
    h('h2', {}, 'Recipients'),
    h('p', { class: 'small muted' }, 'A CSV or XLSX file (up to 10,000 rows, 10 MB). A phone_number column is required;'
      + ' language, first_message, system_prompt and voice_id override the agent per recipient; every other column'
      + ' becomes a dynamic variable. ', h('a', { href: 'template.csv', download: 'batchcall-template.csv', id: 'template-link' },
      'Download the template')),
    h('div', { class: 'field' }, h('label', { for: 'recipients-file' }, 'File'), file),
    preview),
  outcome,
  h('div', { class: 'actions' }, submit, h('a', { class: 'button', href: '#/batches' }, 'Cancel')));
  clear(main, h('h1', {}, 'New batch'), form);
  name.focus();
}

/** Sends a CSV or XLSX file to the server's checker: its recipients, their file rows, and every row's problem. */
export function checkRecipientFile(file) {
  const form = new FormData();
  form.append('file', file);
  return api('POST', '/v1/convai/batch-calling/recipients/validate', { form });
}

/**
 * The checker's answer in words: a summary line and, when rows have problems, a table of them with a button to
 * drop them (onDrop is called once it is used). The batch page's "Add recipients" shows the same report.
 */
export function validationReport(checked, onDrop) {
  const c = checked.counts;
  const report = h('div', { id: 'validation-report' },
    h('p', { id: 'validation-summary', class: checked.errors.length ? 'error' : 'ok' },
      `${count(c.rows)} rows: ${count(c.valid)} ready, ${count(c.invalid)} with problems`
      + (c.invalid_numbers ? ` · ${count(c.invalid_numbers)} invalid numbers` : '')
      + (c.duplicate_numbers ? ` · ${count(c.duplicate_numbers)} duplicate numbers` : '')
      + (c.empty_phone_numbers ? ` · ${count(c.empty_phone_numbers)} without a number` : '')
      + (c.blank_rows_skipped ? ` · ${count(c.blank_rows_skipped)} blank rows skipped` : '')));
  if (checked.errors.length) {
    report.append(rowErrorTable(checked.errors),
      h('div', { class: 'actions' },
        h('button', { type: 'button', id: 'drop-bad-rows', onclick: (event) => {
          event.target.disabled = true;
          event.target.textContent = `Dropped ${count(c.invalid)} rows`;
          onDrop();
        } }, `Drop the ${count(c.invalid)} bad rows`),
        h('span', { class: 'muted small' }, 'or fix the file and choose it again.')));
  }
  return report;
}

/** Problems by file row: [{row, column, value, message}], as the checker (or a refused append) reports them. */
export function rowErrorTable(errors) {
  return h('div', { class: 'table-wrap' }, h('table', { id: 'row-errors' },
    h('caption', { class: 'muted small' }, 'Rows with problems (row numbers as your spreadsheet shows them)'),
    h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'Row'), h('th', {}, 'Column'), h('th', {}, 'Value'),
      h('th', {}, 'Problem'))),
    h('tbody', {}, errors.map((e) => h('tr', { 'data-row': e.row },
      h('td', { class: 'num' }, e.row), h('td', {}, e.column), h('td', { class: 'mono' }, e.value ?? ''),
      h('td', {}, e.message))))));
}

/** Unix seconds of a wall-clock time ("2026-05-01T09:30") in an IANA zone, DST included. */
export function unixSeconds(local, timeZone) {
  const [date, time] = local.split('T');
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  let guess = wall;
  for (let i = 0; i < 2; i++) guess = wall - offset(guess, timeZone);
  return Math.floor(guess / 1000);
}

/** The wall-clock time ("2026-05-01T09:30") of unix seconds in an IANA zone: what a datetime-local input shows. */
export function wallClock(unixSecondsValue, timeZone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric',
    month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
    .formatToParts(new Date(unixSecondsValue * 1000)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

function offset(instant, timeZone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric',
    month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
    .formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}
