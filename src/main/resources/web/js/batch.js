// One batch: status, counters, progress, outcomes, recipients (paged, filtered, searched), attempts, actions,
// and the controls of a running batch: pause and resume, edit, add recipients, cancel one recipient.
import { api, describe, newIdempotencyKey } from './api.js';
import { checkRecipientFile, rowErrorTable, unixSeconds, validationReport, wallClock } from './new-batch.js';
import {
  badge, clear, confirmDialog, count, dateTime, download, empty, errorBox, h, isActive, millisTime, openDialog,
  pausedBadge, progressBar,
} from './ui.js';

const PAGE_SIZE = 50;
const OUTCOMES = [
  ['completed', 'Completed'], ['voicemail', 'Voicemail'], ['busy', 'Busy'], ['no_answer', 'No answer'],
  ['failed', 'Failed'], ['cancelled', 'Cancelled'],
];
const STATUSES = ['pending', 'dispatched', 'initiated', 'in_progress', 'completed', 'failed', 'voicemail', 'cancelled'];
const FINISHED = new Set(['completed', 'failed', 'voicemail', 'cancelled']);
// Not yet answered: cancelling one of these means it is never called (or its ringing call is hung up). An answered
// call (in_progress) is left to finish, as batch cancel does, so it gets no Cancel button.
const CANCELLABLE = new Set(['pending', 'dispatched', 'initiated']);

/** The outcome a finished recipient counts under in the chart. */
function outcomeOf(recipient) {
  if (!FINISHED.has(recipient.status)) return null;
  if (recipient.status === 'cancelled') return 'cancelled';
  if (recipient.status === 'completed' || recipient.status === 'voicemail') return recipient.status;
  return ['busy', 'no_answer'].includes(recipient.last_outcome) ? recipient.last_outcome : 'failed';
}

/** "3 h 12 min", "10 min", "2 d 4 h": how long until a unix time, in words; "a moment" when it is due. */
export function inWords(unixSeconds, nowSeconds = Date.now() / 1000) {
  const minutes = Math.max(Math.round((unixSeconds - nowSeconds) / 60), 0);
  if (minutes < 1) return 'a moment';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days) return hours ? `${days} d ${hours} h` : `${days} d`;
  if (hours) return rest ? `${hours} h ${rest} min` : `${hours} h`;
  return `${rest} min`;
}

/** A wall-clock time (HH:MM) of a unix time, in a time zone (the browser's when none). */
function clockTime(unixSeconds, timeZone) {
  const options = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  try {
    return new Date(unixSeconds * 1000).toLocaleTimeString('en-GB', timeZone ? { ...options, timeZone } : options);
  } catch {
    return new Date(unixSeconds * 1000).toLocaleTimeString('en-GB', options);
  }
}

/**
 * Why a pending recipient waits and until when, in words: "waiting for calling window: opens 09:00 in
 * America/Chicago (in 3 h 12 min)", "retrying after busy at 14:05 (in 10 min)". Null when it does not wait.
 */
export function holdText(recipient, nowSeconds = Date.now() / 1000) {
  const reason = recipient.hold_reason;
  if (!reason || recipient.status !== 'pending') return null;
  const at = recipient.next_attempt_at_unix;
  const zone = recipient.timezone;
  const when = at ? ` (in ${inWords(at, nowSeconds)})` : '';
  switch (reason) {
    case 'retry_backoff':
      return `retrying after ${(recipient.last_outcome ?? 'a failed call').replace('_', ' ')}`
        + (at ? ` at ${clockTime(at)}${when}` : '');
    case 'outside_window':
      return 'waiting for calling window' + (at ? `: opens ${clockTime(at, zone)}${zone ? ` in ${zone}` : ''}${when}` : '');
    case 'holiday':
      return 'waiting: holiday' + (at ? `, calls resume ${clockTime(at, zone)}${zone ? ` in ${zone}` : ''}${when}` : '');
    case 'frequency_cap':
      return 'waiting for the frequency cap' + (at ? `: next call at ${clockTime(at)}${when}` : '');
    case 'timezone_unknown':
      return 'waiting: time zone unknown';
    case 'whatsapp_permission':
      return "waiting for the WhatsApp user's permission" + (at ? `: gives up at ${clockTime(at)}${when}` : '');
    case 'whatsapp_limit':
      return "waiting for Meta's WhatsApp limit" + (at ? `: next try at ${clockTime(at)}${when}` : '');
    default:
      return `waiting: ${reason.replace('_', ' ')}`;
  }
}

export async function render(main, batchId) {
  const path = `/v1/convai/batch-calling/${encodeURIComponent(batchId)}`;
  const view = { status: '', search: '', page: 0 };
  let batch = null;
  let timer;
  let left = false;

  const header = h('div', {});
  const summary = h('div', { id: 'batch-summary', 'aria-live': 'polite' });
  const messages = h('div', { 'aria-live': 'assertive', id: 'batch-messages' });
  const statusFilter = h('select', { id: 'status-filter', onchange: () => { view.status = statusFilter.value; view.page = 0; drawTable(); } });
  const search = h('input', { type: 'search', id: 'recipient-search', placeholder: 'Number or variable value',
    oninput: () => { view.search = search.value.trim().toLowerCase(); view.page = 0; drawTable(); } });
  const tableArea = h('div', { id: 'recipients' });
  clear(main, header, messages, summary,
    h('h2', {}, 'Recipients'),
    h('div', { class: 'toolbar' },
      h('div', {}, h('label', { for: 'status-filter' }, 'Status'), statusFilter),
      h('div', { class: 'grow' }, h('label', { for: 'recipient-search' }, 'Search'), search)),
    tableArea);

  async function load() {
    clearTimeout(timer);
    try {
      batch = await api('GET', path);
    } catch (error) {
      if (left) return;
      if (error.status === 404) {
        clear(main, h('h1', {}, 'Batch not found'), errorBox(error), h('a', { href: '#/batches' }, 'Back to batches'));
      } else {
        clear(messages, errorBox(error));
        timer = setTimeout(load, 5000);
      }
      return;
    }
    if (left) return;
    drawHeader();
    drawSummary();
    drawTable();
    if (isActive(batch)) timer = setTimeout(load, batch.recipients.length > 2000 ? 5000 : 2000);
  }

  function drawHeader() {
    const retryable = batch.recipients.filter((r) => r.status === 'failed' || r.status === 'voicemail').length;
    const running = batch.status === 'pending' || batch.status === 'in_progress';
    clear(header,
      h('p', { class: 'small' }, h('a', { href: '#/batches' }, '← Batches')),
      h('h1', {}, batch.name, ' ', h('span', { id: 'batch-status' }, badge(batch.status)),
        h('span', { id: 'batch-paused-badge' }, pausedBadge(batch))),
      batch.paused ? h('p', { class: 'notice', id: 'batch-paused' },
        `Paused${batch.paused_at_unix ? ` since ${dateTime(batch.paused_at_unix)}` : ''}: no new call starts until you`
        + ' resume. Calls already in progress finish.') : null,
      h('div', { class: 'actions' },
        running && !batch.paused ? h('button', { type: 'button', id: 'pause-batch', onclick: pause }, 'Pause') : null,
        running && batch.paused ? h('button', { type: 'button', id: 'resume-batch', class: 'primary', onclick: resume },
          'Resume') : null,
        running ? h('button', { type: 'button', id: 'edit-batch', onclick: edit }, 'Edit') : null,
        running ? h('button', { type: 'button', id: 'add-recipients', onclick: addRecipients }, 'Add recipients') : null,
        running ? h('button', { type: 'button', id: 'cancel-batch', class: 'danger', onclick: cancel }, 'Cancel batch') : null,
        h('button', { type: 'button', id: 'retry-batch', disabled: !retryable || batch.status === 'cancelled',
          title: retryable ? '' : 'No recipient failed or reached voicemail', onclick: () => retry(retryable) },
          `Retry ${retryable ? count(retryable) : ''} failed`),
        h('button', { type: 'button', id: 'export-batch', onclick: exportCsv }, 'Export CSV'),
        h('button', { type: 'button', id: 'delete-batch', class: 'danger', onclick: remove }, 'Delete')));
  }

  function drawSummary() {
    const outcomes = Object.fromEntries(OUTCOMES.map(([key]) => [key, 0]));
    for (const r of batch.recipients) {
      const o = outcomeOf(r);
      if (o) outcomes[o]++;
    }
    const total = batch.recipients.length || 1;
    const chart = h('div', { class: 'chart', role: 'img', 'aria-label': OUTCOMES.map(([k, l]) => `${l} ${outcomes[k]}`).join(', ') },
      OUTCOMES.map(([key]) => {
        const part = h('span', {});
        part.style.width = `${(outcomes[key] / total) * 100}%`;
        part.style.background = `var(--c-${key})`;
        return part;
      }));
    const notFinished = batch.recipients.length - Object.values(outcomes).reduce((a, b) => a + b, 0);
    clear(summary,
      h('dl', { class: 'meta card' },
        h('div', {}, h('dt', {}, 'Agent'), h('dd', {}, batch.agent_name)),
        h('div', {}, h('dt', {}, 'Provider'), h('dd', {}, batch.phone_provider ?? '—')),
        h('div', {}, h('dt', {}, 'Created'), h('dd', {}, dateTime(batch.created_at_unix))),
        h('div', {}, h('dt', {}, 'Scheduled'), h('dd', {}, dateTime(batch.scheduled_time_unix, batch.timezone))),
        h('div', {}, h('dt', {}, 'Concurrency limit'), h('dd', { id: 'summary-concurrency' }, batch.target_concurrency_limit ?? 'workspace default')),
        h('div', {}, h('dt', {}, 'Ringing timeout'), h('dd', { id: 'summary-ringing' }, `${batch.telephony_call_config.ringing_timeout_secs} s`)),
        h('div', {}, h('dt', {}, 'Retries'), h('dd', {}, batch.retry_count)),
        batch.failure_reason ? h('div', {}, h('dt', {}, 'Failure'), h('dd', {}, batch.failure_reason)) : null,
        batch.hold_reason ? h('div', { id: 'hold-reason' }, h('dt', {}, 'On hold'), h('dd', {}, batch.hold_reason)) : null,
        batch.waiting_recipients ? h('div', { id: 'waiting-recipients' }, h('dt', {}, 'Waiting'),
          h('dd', {}, `${count(batch.waiting_recipients)} held by the campaign rules`)) : null,
        batch.next_window_opens_at_unix ? h('div', { id: 'next-window' }, h('dt', {}, 'Next calling window'),
          h('dd', {}, `opens ${dateTime(batch.next_window_opens_at_unix)} (in ${inWords(batch.next_window_opens_at_unix)})`)) : null),
      h('div', { class: 'counters' },
        counter('Scheduled', batch.total_calls_scheduled, 'count-scheduled'),
        counter('Dispatched', batch.total_calls_dispatched, 'count-dispatched'),
        counter('Finished', batch.total_calls_finished, 'count-finished'),
        counter('Retries', batch.retry_count, 'count-retries')),
      h('div', { class: 'card' }, h('div', { id: 'batch-progress' }, progressBar(batch)),
        h('h2', {}, 'Outcomes'), chart,
        h('ul', { class: 'legend', id: 'outcomes' }, OUTCOMES.map(([key, label]) => {
          const swatch = h('i', {});
          swatch.style.background = `var(--c-${key})`;
          return h('li', { 'data-outcome': key }, swatch, `${label}: `, h('b', {}, count(outcomes[key])));
        }), h('li', { class: 'muted' }, `Not finished: ${count(notFinished)}`))));
    const counts = Object.fromEntries(STATUSES.map((s) => [s, 0]));
    for (const r of batch.recipients) counts[r.status] = (counts[r.status] ?? 0) + 1;
    clear(statusFilter, h('option', { value: '' }, `All (${count(batch.recipients.length)})`),
      STATUSES.filter((s) => counts[s]).map((s) => h('option', { value: s }, `${s.replace('_', ' ')} (${count(counts[s])})`)));
    if (view.status && !counts[view.status]) statusFilter.append(h('option', { value: view.status }, `${view.status} (0)`));
    statusFilter.value = view.status;
  }

  function drawTable() {
    if (!batch) return;
    const matches = batch.recipients.filter((r) => (!view.status || r.status === view.status)
      && (!view.search || searchable(r).includes(view.search)));
    const pages = Math.max(Math.ceil(matches.length / PAGE_SIZE), 1);
    view.page = Math.min(view.page, pages - 1);
    const first = view.page * PAGE_SIZE;
    const rows = matches.slice(first, first + PAGE_SIZE);
    if (!matches.length) {
      clear(tableArea, empty(batch.recipients.length ? 'No recipient matches.' : 'This batch has no recipients.'));
      return;
    }
    clear(tableArea, h('div', { class: 'table-wrap' }, h('table', { id: 'recipient-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Phone number'), h('th', {}, 'Status'), h('th', { class: 'num' }, 'Attempts'),
        h('th', {}, 'Last outcome'), h('th', { class: 'hide-narrow' }, 'Variables'), h('th', { class: 'hide-narrow' }, 'Conversation'),
        h('th', {}, h('span', { class: 'muted' }, 'Actions')))),
      h('tbody', {}, rows.map((r) => h('tr', { class: 'clickable', tabindex: '0', 'data-recipient-id': r.id,
        'aria-label': `Attempts of ${r.phone_number}`,
        onclick: () => attempts(r), onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); attempts(r); } } },
      h('td', { class: 'mono' }, r.phone_number ?? r.whatsapp_user_id),
      h('td', {}, badge(r.status), holdText(r) ? h('div', { class: 'small muted hold' }, holdText(r)) : null),
      h('td', { class: 'num' }, r.attempt_count), h('td', {}, (r.last_outcome ?? '').replace('_', ' ')),
      h('td', { class: 'hide-narrow small' }, variables(r)), h('td', { class: 'hide-narrow mono small' }, r.conversation_id ?? ''),
      h('td', { class: 'row-actions' }, CANCELLABLE.has(r.status) ? h('button', { type: 'button', class: 'danger cancel-recipient',
        'aria-label': `Cancel the call to ${r.phone_number ?? r.whatsapp_user_id}`,
        onclick: (e) => { e.stopPropagation(); cancelRecipient(r); },
        onkeydown: (e) => e.stopPropagation() }, 'Cancel') : null)))))),
    h('div', { class: 'pager' },
      h('span', { class: 'muted', id: 'recipient-range' }, `${count(first + 1)}–${count(first + rows.length)} of ${count(matches.length)}`),
      h('button', { type: 'button', disabled: view.page === 0, onclick: () => { view.page--; drawTable(); } }, 'Previous'),
      h('button', { type: 'button', id: 'next-recipients', disabled: view.page >= pages - 1, onclick: () => { view.page++; drawTable(); } }, 'Next')));
  }

  async function attempts(recipient) {
    const content = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
    const dialog = openDialog(`Attempts of ${recipient.phone_number}`, h('div', {}, content,
      h('form', { method: 'dialog', class: 'dialog-buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Close'))));
    try {
      const page = await api('GET', `${path}/attempts`, { query: { recipient_id: recipient.id, limit: 1000 } });
      clear(content, page.attempts.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'attempt-table' },
        h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'Dialed'), h('th', {}, 'Answered'), h('th', {}, 'Ended'),
          h('th', {}, 'Outcome'), h('th', {}, 'Provider status'), h('th', {}, 'SIP'), h('th', {}, 'Conversation'))),
        h('tbody', {}, page.attempts.map((a) => h('tr', {},
          h('td', {}, a.attempt_number), h('td', { class: 'small' }, millisTime(a.dialed_at_unix_ms ?? a.claimed_at_unix_ms)),
          h('td', { class: 'small' }, millisTime(a.answered_at_unix_ms)), h('td', { class: 'small' }, millisTime(a.ended_at_unix_ms)),
          h('td', {}, (a.outcome ?? a.phase ?? '').replace('_', ' '), a.failure_reason ? h('div', { class: 'small muted' }, a.failure_reason) : null,
            a.answered_by ? h('div', { class: 'small muted' }, `answered by ${a.answered_by.replaceAll('_', ' ')}`) : null),
          h('td', {}, a.provider_status ?? ''), h('td', {}, a.sip_code ?? ''), h('td', { class: 'mono small' }, a.conversation_id ?? ''))))))
        : empty('Not dialed yet.'));
    } catch (error) {
      if (dialog.open) clear(content, errorBox(error));
    }
  }

  async function cancel() {
    const pending = batch.recipients.filter((r) => !FINISHED.has(r.status)).length;
    if (!await confirmDialog('Cancel this batch?', `${count(pending)} recipients not yet finished will not be called.`
      + ' Calls already in progress are ended.', 'Cancel batch', true)) return;
    await act(() => api('POST', `${path}/cancel`), 'The batch was cancelled.');
  }

  async function retry(retryable) {
    if (!await confirmDialog('Retry failed recipients?', `This will re-dial ${count(retryable)} recipient${retryable === 1 ? '' : 's'}`
      + ' whose calls failed or reached voicemail.', `Re-dial ${count(retryable)}`)) return;
    await act(() => api('POST', `${path}/retry`), `${count(retryable)} recipients will be re-dialed.`);
  }

  async function remove() {
    if (!await confirmDialog('Delete this batch?', 'The batch and its recipients are deleted for good;'
      + ' its conversations stay in the history.', 'Delete', true)) return;
    try {
      await api('DELETE', path);
      location.hash = '#/batches';
    } catch (error) {
      clear(messages, errorBox(error));
    }
  }

  async function exportCsv() {
    try {
      const response = await api('GET', `${path}/export`, { raw: true });
      download(await response.blob(), `${batch.id}.csv`);
    } catch (error) {
      clear(messages, errorBox(error));
    }
  }

  async function pause() {
    await act(() => api('POST', `${path}/pause`, { idempotencyKey: newIdempotencyKey() }),
      'The batch is paused: no new call starts until you resume it. Calls already in progress finish.');
  }

  async function resume() {
    await act(() => api('POST', `${path}/resume`, { idempotencyKey: newIdempotencyKey() }),
      'The batch is resumed: calling continues where it stopped.');
  }

  async function cancelRecipient(recipient) {
    const who = recipient.phone_number ?? recipient.whatsapp_user_id;
    if (!await confirmDialog(`Cancel the call to ${who}?`, 'This recipient will not be called. A call that is'
      + ' ringing now is hung up; one already answered is left to finish.', 'Cancel the call', true)) return;
    await act(() => api('POST', `${path}/recipients/${encodeURIComponent(recipient.id)}/cancel`,
      { idempotencyKey: newIdempotencyKey() }), `The call to ${who} was cancelled.`);
  }

  /** Name, concurrency, ringing timeout and (before the start) the schedule; only what changed is sent. */
  function edit() {
    const zone = batch.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone;
    const notStarted = batch.status === 'pending';
    const name = h('input', { type: 'text', id: 'edit-name', required: true, maxlength: '200', value: batch.name });
    const concurrency = h('input', { type: 'number', id: 'edit-concurrency', min: '1', placeholder: 'Workspace default',
      value: batch.target_concurrency_limit ?? '' });
    const ringing = h('input', { type: 'number', id: 'edit-ringing', min: '1', max: '999',
      value: batch.telephony_call_config.ringing_timeout_secs });
    const schedule = notStarted ? h('input', { type: 'datetime-local', id: 'edit-schedule',
      value: wallClock(batch.scheduled_time_unix, zone) }) : null;
    const problems = h('div', { id: 'edit-result', 'aria-live': 'assertive' });
    const save = h('button', { type: 'submit', class: 'primary', id: 'save-edit' }, 'Save');
    let dialog;
    const form = h('form', { novalidate: true, onsubmit: async (event) => {
      event.preventDefault();
      clear(problems);
      const body = {};
      if (!name.value.trim()) {
        clear(problems, h('div', { class: 'error', role: 'alert' }, 'Give the batch a name.'));
        return;
      }
      if (name.value.trim() !== batch.name) body.name = name.value.trim();
      const limit = concurrency.value ? Number(concurrency.value) : null;
      if (limit !== (batch.target_concurrency_limit ?? null)) body.target_concurrency_limit = limit;
      if (ringing.value && Number(ringing.value) !== batch.telephony_call_config.ringing_timeout_secs) {
        body.telephony_call_config = { ringing_timeout_secs: Number(ringing.value) };
      }
      if (schedule && schedule.value && schedule.value !== wallClock(batch.scheduled_time_unix, zone)) {
        body.scheduled_time_unix = unixSeconds(schedule.value, zone);
      }
      if (!Object.keys(body).length) {
        dialog.close();
        return;
      }
      save.disabled = true;
      try {
        await api('PATCH', path, { json: body, idempotencyKey: newIdempotencyKey() });
        dialog.close();
        clear(messages, h('div', { class: 'ok', role: 'status' }, 'Saved. The new values apply to the next call dialed.'));
        await load();
      } catch (error) {
        clear(problems, errorBox(error));
        save.disabled = false;
      }
    } },
    h('div', { class: 'field' }, h('label', { for: 'edit-name' }, 'Name'), name),
    h('div', { class: 'grid' },
      h('div', { class: 'field' }, h('label', { for: 'edit-concurrency' }, 'Concurrency limit (calls at once)'), concurrency),
      h('div', { class: 'field' }, h('label', { for: 'edit-ringing' }, 'Ringing timeout (seconds)'), ringing)),
    schedule ? h('div', { class: 'field' }, h('label', { for: 'edit-schedule' }, `Start at (${zone})`), schedule)
      : h('p', { class: 'small muted' }, 'The batch has started: its schedule can no longer change.'),
    problems,
    h('div', { class: 'dialog-buttons' },
      h('button', { type: 'button', onclick: () => dialog.close() }, 'Close'), save));
    dialog = openDialog('Edit batch', form);
    name.focus();
  }

  /** A recipient file checked as on the new-batch page, then appended; a refused row is shown by its file row. */
  function addRecipients() {
    let checked = null;
    let dropped = false;
    let key = null; // one key per body sent: a repeat after a lost answer is not appended twice
    const file = h('input', { type: 'file', id: 'add-recipients-file', accept: '.csv,.xlsx,text/csv,'
      + 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
    const report = h('div', { id: 'add-recipients-report', 'aria-live': 'polite' });
    const result = h('div', { id: 'add-recipients-result', 'aria-live': 'assertive' });
    const send = h('button', { type: 'submit', class: 'primary', id: 'add-recipients-submit', disabled: true },
      'Add recipients');
    const ready = () => {
      const n = checked?.recipients.length ?? 0;
      send.disabled = !n || (checked.errors.length > 0 && !dropped);
      send.textContent = n ? `Add ${count(n)} recipient${n === 1 ? '' : 's'}` : 'Add recipients';
    };
    file.addEventListener('change', async () => {
      checked = null;
      dropped = false;
      key = newIdempotencyKey();
      ready();
      clear(result);
      if (!file.files.length) { clear(report); return; }
      clear(report, h('p', { class: 'muted' }, 'Checking the file…'));
      try {
        checked = await checkRecipientFile(file.files[0]);
        clear(report, validationReport(checked, () => { dropped = true; key = newIdempotencyKey(); ready(); }));
      } catch (error) {
        clear(report, errorBox(error), h('p', {}, 'Fix the file and choose it again.'));
      }
      ready();
    });
    let dialog;
    const form = h('form', { novalidate: true, onsubmit: async (event) => {
      event.preventDefault();
      clear(result);
      send.disabled = true;
      const before = batch.total_calls_scheduled;
      try {
        const updated = await api('POST', `${path}/recipients`, { json: { recipients: checked.recipients },
          idempotencyKey: key });
        dialog.close();
        const added = updated?.total_calls_scheduled !== undefined ? updated.total_calls_scheduled - before
          : checked.recipients.length;
        clear(messages, h('div', { class: 'ok', role: 'status' }, `Added ${count(added)} recipients.`));
        await load();
      } catch (error) {
        const rows = refusedRows(error, checked);
        clear(result, errorBox(error), rows.length ? h('div', { id: 'append-errors' },
          h('p', { class: 'small' }, 'Nothing was added. Fix these rows in the file (or remove them) and choose it again:'),
          rowErrorTable(rows)) : null);
        ready();
      }
    } },
    h('p', { class: 'small muted' }, 'A CSV or XLSX file with the same columns as a new batch\'s. Numbers already in'
      + ' this batch are refused, and a batch holds at most 10,000 recipients.'),
    h('div', { class: 'field' }, h('label', { for: 'add-recipients-file' }, 'File'), file),
    report, result,
    h('div', { class: 'dialog-buttons' },
      h('button', { type: 'button', onclick: () => dialog.close() }, 'Close'), send));
    dialog = openDialog('Add recipients', form);
  }

  async function act(call, done) {
    try {
      await call();
      clear(messages, h('div', { class: 'ok', role: 'status' }, done));
    } catch (error) {
      clear(messages, errorBox(error));
    }
    await load();
  }

  load();
  return () => { left = true; clearTimeout(timer); };
}

/**
 * A refused append's problems by file row: the server names a recipient by its index in the body
 * (recipients.3.phone_number), the checker said which file row each recipient came from.
 */
function refusedRows(error, checked) {
  return (error.problems ?? []).map((p) => {
    const match = /^recipients\.(\d+)(?:\.(.+))?$/.exec(p.field ?? '');
    if (!match) return { row: '', column: p.field ?? '', value: '', message: describe({ message: p.message }) };
    const index = Number(match[1]);
    const recipient = checked.recipients[index] ?? {};
    const column = match[2] ?? '';
    const value = column === 'phone_number' ? recipient.phone_number
      : column.split('.').reduce((v, part) => (v && typeof v === 'object' ? v[part] : undefined), recipient);
    const shown = value && typeof value === 'object' ? JSON.stringify(value) : value;
    return { row: checked.recipient_rows[index] ?? `recipient ${index + 1}`, column, value: shown ?? recipient.phone_number ?? '',
      message: p.message };
  });
}

function counter(label, value, id) {
  return h('div', { class: 'counter' }, h('b', { id }, count(value)), h('span', {}, label));
}

function searchable(r) {
  if (!r._search) {
    const data = r.conversation_initiation_client_data?.dynamic_variables ?? {};
    r._search = [r.phone_number ?? '', r.whatsapp_user_id ?? '', ...Object.values(data).map(String)].join(' ').toLowerCase();
  }
  return r._search;
}

function variables(r) {
  const data = r.conversation_initiation_client_data?.dynamic_variables ?? {};
  return Object.entries(data).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ');
}
