// One webhook: its delivery log, newest first, each delivery's attempts, retry one delivery, replay a time range.
import { api } from './api.js';
import { badge, clear, dateTime, empty, errorBox, h, millisTime, openDialog } from './ui.js';
import { sendTest, webhookPath, webhookState } from './webhooks.js';

const PAGE_SIZE = 25;
const STATES = ['pending', 'in_flight', 'held', 'succeeded', 'failed'];

export async function render(main, webhookId) {
  const path = webhookPath(webhookId);
  const view = { state: '', cursors: [undefined], page: 0 };
  let webhook;
  const header = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const messages = h('div', { id: 'delivery-messages', 'aria-live': 'assertive' });
  const log = h('div', { id: 'delivery-list', 'aria-live': 'polite' });
  const stateFilter = h('select', { id: 'delivery-state', onchange: () => {
    view.state = stateFilter.value;
    view.cursors = [undefined];
    view.page = 0;
    load();
  } }, h('option', { value: '' }, 'All states'), STATES.map((s) => h('option', { value: s }, s.replace('_', ' '))));
  clear(main, h('p', {}, h('a', { href: '#/webhooks' }, '← Webhooks')), header, messages,
    h('h2', {}, 'Delivery log'),
    h('div', { class: 'toolbar' },
      h('div', {}, h('label', { for: 'delivery-state' }, 'State'), stateFilter),
      h('div', { class: 'grow' }),
      h('button', { type: 'button', id: 'refresh-deliveries', onclick: () => load() }, 'Refresh'),
      h('button', { type: 'button', id: 'replay-deliveries', onclick: () => replay() }, 'Replay a time range')),
    log);

  async function loadWebhook() {
    const result = await api('GET', '/v1/workspace/webhooks');
    webhook = result.webhooks.find((w) => w.webhook_id === webhookId);
    if (!webhook) {
      clear(header, h('h1', {}, 'Webhook'), h('div', { class: 'error', role: 'alert' },
        'There is no webhook with this id in this workspace; it may have been deleted.'));
      return false;
    }
    clear(header, h('h1', { id: 'webhook-title' }, webhook.name),
      h('dl', { class: 'meta' },
        h('div', {}, h('dt', {}, 'URL'), h('dd', { class: 'mono small wrap' }, webhook.webhook_url)),
        h('div', {}, h('dt', {}, 'State'), h('dd', { id: 'webhook-state' }, webhookState(webhook))),
        h('div', {}, h('dt', {}, 'Events'), h('dd', { class: 'small' }, webhook.event_types.join(', ') || '—')),
        h('div', {}, h('dt', {}, 'Retries'), h('dd', {}, webhook.retry_enabled ? 'On' : 'Off (one attempt)')),
        h('div', {}, h('dt', {}, 'Created'), h('dd', {}, dateTime(webhook.created_at_unix)))),
      h('div', { class: 'actions' },
        h('button', { type: 'button', id: 'send-test', onclick: test }, 'Send test')));
    return true;
  }

  async function test() {
    clear(messages, h('p', { class: 'muted', role: 'status' }, 'Sending a test event…'));
    try {
      clear(messages, await sendTest(webhook));
    } catch (error) {
      clear(messages, errorBox(error));
    }
    view.cursors = [undefined];
    view.page = 0;
    await load();
  }

  async function load() {
    let result;
    try {
      result = await api('GET', `${path}/deliveries`, {
        query: { page_size: PAGE_SIZE, cursor: view.cursors[view.page], state: view.state },
      });
    } catch (error) {
      clear(log, errorBox(error));
      return;
    }
    view.cursors[view.page + 1] = result.has_more ? result.next_cursor : undefined;
    clear(log, result.deliveries.length ? table(result.deliveries) : empty(view.page > 0 ? 'No more deliveries.'
      : view.state ? 'No deliveries in this state.' : 'Nothing delivered yet. Send a test to see one here.'),
    h('div', { class: 'pager' },
      h('button', { type: 'button', disabled: view.page === 0, onclick: () => { view.page--; load(); } }, 'Newer'),
      h('span', { class: 'muted' }, `Page ${view.page + 1}`),
      h('button', { type: 'button', id: 'older-deliveries', disabled: !result.has_more,
        onclick: () => { view.page++; load(); } }, 'Older')));
  }

  function table(deliveries) {
    return h('div', { class: 'table-wrap' }, h('table', { id: 'delivery-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Event'), h('th', {}, 'State'), h('th', { class: 'num' }, 'Attempts'),
        h('th', { class: 'hide-narrow' }, 'Last result'), h('th', { class: 'hide-narrow' }, 'Created'), h('th', {}, ''))),
      h('tbody', {}, deliveries.map((d) => h('tr', { class: 'clickable', tabindex: '0', 'data-event-id': d.event_id,
        'aria-label': `${d.event_type}, ${d.state}: open its attempts`,
        onclick: (e) => { if (!e.target.closest('button')) attempts(d); },
        onkeydown: (e) => {
          if (e.target === e.currentTarget && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); attempts(d); }
        } },
      h('td', {}, d.event_type, h('div', { class: 'mono small muted' }, d.event_id)),
      h('td', {}, badge(d.state), d.state === 'pending' && d.attempts > 0 ? h('div', { class: 'small muted' },
        `next at ${dateTime(d.next_attempt_at_unix)}`) : null),
      h('td', { class: 'num' }, d.attempts),
      h('td', { class: 'small hide-narrow' }, d.last_status ?? '', d.last_error ? ` ${d.last_error}` : ''),
      h('td', { class: 'small hide-narrow' }, dateTime(d.created_at_unix)),
      h('td', {}, h('button', { type: 'button', class: 'retry-delivery', disabled: d.state === 'in_flight',
        onclick: () => retry(d) }, 'Retry')))))));
  }

  async function retry(delivery, dialog) {
    try {
      await api('POST', `${path}/deliveries/${encodeURIComponent(delivery.event_id)}/retry`);
      dialog?.close();
      clear(messages, h('div', { class: 'ok', role: 'status' }, `${delivery.event_type} (${delivery.event_id}) is`
        + ' queued to be sent again now.'));
      await load();
    } catch (error) {
      clear(messages, errorBox(error));
      dialog?.close();
    }
  }

  async function attempts(delivery) {
    const content = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
    const dialog = openDialog(`Attempts of ${delivery.event_type}`, h('div', {}, content,
      h('div', { class: 'dialog-buttons' },
        h('button', { type: 'button', id: 'retry-this-delivery', onclick: () => retry(delivery, dialog) }, 'Retry now'),
        h('button', { type: 'button', class: 'primary', onclick: () => dialog.close() }, 'Close'))));
    try {
      const detail = await api('GET', `${path}/deliveries/${encodeURIComponent(delivery.event_id)}`);
      clear(content, h('p', { class: 'small' }, h('span', { class: 'mono' }, detail.delivery.event_id), ' · ',
        badge(detail.delivery.state), ` · ${detail.delivery.attempts} attempt(s)`),
      detail.attempts.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'delivery-attempt-table' },
        h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'Sent'), h('th', { class: 'num' }, 'Latency'),
          h('th', {}, 'Status'), h('th', {}, 'Error'), h('th', {}, 'Response'))),
        h('tbody', {}, detail.attempts.map((a) => h('tr', {},
          h('td', {}, a.attempt), h('td', { class: 'small' }, millisTime(a.started_at_unix_ms),
            h('div', { class: 'muted' }, a.node_id)),
          h('td', { class: 'num' }, `${a.duration_ms} ms`),
          h('td', {}, a.status_code ?? '—'),
          h('td', { class: 'small' }, a.error_class ?? '', a.error ? h('div', { class: 'muted' }, a.error) : null),
          h('td', {}, a.response_excerpt ? h('pre', { class: 'excerpt' }, a.response_excerpt) : '')))))) 
        : empty('Not sent yet.'),
      h('details', {}, h('summary', {}, 'Event body'), h('pre', { class: 'excerpt' }, JSON.stringify(detail.event, null, 2))));
    } catch (error) {
      if (dialog.open) clear(content, errorBox(error));
    }
  }

  function replay() {
    const local = (unix) => {
      const date = new Date(unix * 1000 - new Date().getTimezoneOffset() * 60_000);
      return date.toISOString().slice(0, 16);
    };
    const now = Math.floor(Date.now() / 1000);
    const since = h('input', { type: 'datetime-local', id: 'replay-since', required: true, value: local(now - 3600) });
    const until = h('input', { type: 'datetime-local', id: 'replay-until', value: '' });
    const onlyFailed = h('input', { type: 'checkbox', id: 'replay-only-failed' });
    const status = h('div', { 'aria-live': 'assertive' });
    const form = h('form', { onsubmit: async (event) => {
      event.preventDefault();
      const unix = (input) => (input.value ? Math.floor(new Date(input.value).getTime() / 1000) : undefined);
      try {
        const result = await api('POST', `${path}/replay`, { json: { since_unix: unix(since), until_unix: unix(until),
          only: onlyFailed.checked ? 'failed' : 'all' } });
        dialog.close();
        clear(messages, h('div', { class: 'ok', role: 'status' }, `${result.queued} deliveries queued again, in order,`
          + ' with their original event ids.'));
        view.cursors = [undefined];
        view.page = 0;
        await load();
      } catch (error) {
        clear(status, errorBox(error));
      }
    } },
    h('p', { class: 'small muted' }, 'Sends every event of the range this webhook subscribes to again, in order, with'
      + ' the same event ids (receivers deduplicate on webhook-id). Times are in your browser\'s zone.'),
    h('div', { class: 'grid' },
      h('div', { class: 'field' }, h('label', { for: 'replay-since' }, 'From'), since),
      h('div', { class: 'field' }, h('label', { for: 'replay-until' }, 'Until (empty: now)'), until)),
    h('label', { class: 'check' }, onlyFailed, ' Only deliveries that failed'),
    status,
    h('div', { class: 'dialog-buttons' },
      h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'),
      h('button', { type: 'submit', class: 'primary', id: 'replay-submit' }, 'Replay')));
    const dialog = openDialog('Replay a time range', form);
    since.focus();
  }

  try {
    if (await loadWebhook()) await load();
  } catch (error) {
    clear(header, h('h1', {}, 'Webhook'), errorBox(error));
  }
}
