// Webhooks: where batchcall pushes its events. The secret is shown once, right after creation, and never again.
import { api } from './api.js';
import { badge, clear, confirmDialog, dateTime, empty, errorBox, h, openDialog } from './ui.js';

const PATH = '/v1/workspace/webhooks';
const SETTINGS = '/v1/convai/settings';
/** The wildcards a webhook can subscribe to, as the API spells them, with what each covers. */
const WILDCARDS = [
  ['batch.*', 'Batch events (created, started, completed, failed, cancelled, retried, deleted)'],
  ['recipient.*', 'Recipient events (every status change of a recipient)'],
  ['webhook.*', 'Webhook events (test, endpoint disabled)'],
  ['*', 'Every batchcall event'],
];
/** ElevenLabs' post-call events, as the convai settings name them. */
const POST_CALL_EVENTS = [['transcript', 'Post-call transcription'], ['call_initiation_failure', 'Call initiation failure']];

export function webhookPath(id) {
  return `${PATH}/${encodeURIComponent(id)}`;
}

/** The words for a webhook's state: active, disabled by hand, or disabled automatically (and why). */
export function webhookState(webhook) {
  if (!webhook.is_disabled) return badge('active');
  if (webhook.is_auto_disabled) {
    return h('span', {}, badge('failed'), ' ', h('span', { class: 'small' },
      webhook.disabled_reason === 'gone' ? 'Disabled: the receiver answered 410 Gone'
        : 'Disabled automatically after repeated failures; new events are held until it is enabled'));
  }
  return badge('disabled');
}

/** What one delivery attempt did, in words: "200 in 12 ms", or the error class and message. */
export function attemptSummary(attempt) {
  const took = `${attempt.duration_ms} ms`;
  if (attempt.succeeded ?? (attempt.status_code >= 200 && attempt.status_code < 300)) {
    return `Delivered: ${attempt.status_code} in ${took}`;
  }
  if (attempt.status_code) return `Failed: the receiver answered ${attempt.status_code} in ${took}`;
  return `Failed: ${attempt.error_class ?? 'error'}${attempt.error ? ` (${attempt.error})` : ''} after ${took}`;
}

/** Sends webhook.test now and answers a message element with the attempt's result. */
export async function sendTest(webhook) {
  const result = await api('POST', `${webhookPath(webhook.webhook_id)}/test`);
  return h('div', { class: result.succeeded ? 'ok' : 'error', role: 'status', id: 'test-result' },
    `Test event to ${webhook.name}: ${attemptSummary(result)}.`,
    result.response_excerpt ? h('div', { class: 'mono small' }, `Response: ${result.response_excerpt}`) : null);
}

export async function render(main) {
  const list = h('div', { id: 'webhook-list', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading…'));
  const messages = h('div', { id: 'webhook-messages', 'aria-live': 'assertive' });
  let settings = null;
  clear(main, h('h1', {}, 'Webhooks'),
    h('div', { class: 'toolbar' }, h('div', { class: 'grow muted small' },
      'batchcall sends each event to the webhooks that subscribe to it, signed with the webhook\'s secret, retrying'
      + ' for about 3 days. The secret is shown once, when the webhook is created.'),
    h('button', { type: 'button', class: 'primary', id: 'new-webhook', onclick: () => edit(null) }, 'New webhook')),
    messages, list);

  async function reload() {
    try {
      const [result, current] = await Promise.all([api('GET', PATH), api('GET', SETTINGS)]);
      settings = current;
      draw(result.webhooks);
    } catch (error) {
      clear(list, errorBox(error));
    }
  }

  const isPostCall = (webhook) => settings?.webhooks?.post_call_webhook_id === webhook.webhook_id;

  function draw(webhooks) {
    if (!webhooks.length) {
      clear(list, empty('No webhooks yet. Add one to have batch results pushed to your system.',
        h('button', { type: 'button', class: 'primary', onclick: () => edit(null) }, 'New webhook')));
      return;
    }
    clear(list, h('div', { class: 'table-wrap' }, h('table', { id: 'webhook-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', { class: 'hide-narrow' }, 'URL'),
        h('th', { class: 'hide-narrow' }, 'Events'), h('th', {}, 'State'), h('th', {}, ''))),
      h('tbody', {}, webhooks.map((w) => h('tr', { 'data-webhook-id': w.webhook_id },
        h('td', {}, h('a', { href: `#/webhooks/${encodeURIComponent(w.webhook_id)}` }, w.name)),
        h('td', { class: 'mono small hide-narrow wrap' }, w.webhook_url),
        h('td', { class: 'small hide-narrow' }, [...w.event_types, ...(isPostCall(w) ? ['post-call'] : [])]
          .join(', ') || '—'),
        h('td', {}, webhookState(w), w.most_recent_failure_error_code ? h('div', { class: 'small muted' },
          `Last failure: ${w.most_recent_failure_error_code} at ${dateTime(w.most_recent_failure_timestamp)}`) : null),
        h('td', {}, h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'test-webhook', onclick: () => test(w) }, 'Send test'),
          h('button', { type: 'button', class: 'edit-webhook', onclick: () => edit(w) }, 'Edit'),
          h('button', { type: 'button', class: 'toggle-webhook', onclick: () => toggle(w) },
            w.is_disabled ? 'Enable' : 'Disable'),
          h('button', { type: 'button', class: 'danger delete-webhook', onclick: () => remove(w) }, 'Delete')))))))));
  }

  async function test(webhook) {
    clear(messages, h('p', { class: 'muted', role: 'status' }, `Sending a test event to ${webhook.name}…`));
    try {
      clear(messages, await sendTest(webhook));
    } catch (error) {
      clear(messages, errorBox(error));
    }
    await reload();
  }

  async function toggle(webhook) {
    try {
      await api('PATCH', webhookPath(webhook.webhook_id), { json: { is_disabled: !webhook.is_disabled, name: webhook.name } });
      clear(messages, h('div', { class: 'ok', role: 'status' }, webhook.is_disabled
        ? `${webhook.name} is enabled; held deliveries go out now, in order.`
        : `${webhook.name} is disabled; its new events are held until it is enabled again.`));
      await reload();
    } catch (error) {
      clear(messages, errorBox(error));
    }
  }

  async function remove(webhook) {
    if (!await confirmDialog(`Delete ${webhook.name}?`, 'Its pending deliveries are given up and it receives no more'
      + ' events. This cannot be undone.', 'Delete', true)) return;
    try {
      await api('DELETE', webhookPath(webhook.webhook_id));
      clear(messages, h('div', { class: 'ok', role: 'status' }, `${webhook.name} was deleted.`));
      await reload();
    } catch (error) {
      clear(messages, errorBox(error));
    }
  }

  function edit(webhook) {
    const creating = webhook === null;
    const name = h('input', { type: 'text', id: 'webhook-name', required: true, value: webhook?.name ?? '' });
    const url = h('input', { type: 'url', id: 'webhook-url', required: true, placeholder: 'https://crm.example.com/hooks',
      value: webhook?.webhook_url ?? '', spellcheck: 'false' });
    const chosen = new Set(webhook?.event_types ?? []);
    const wildcards = WILDCARDS.map(([value, text]) => {
      const box = h('input', { type: 'checkbox', id: `event-${value.replace(/\W/g, '') || 'all'}`, value,
        checked: chosen.has(value) });
      return h('label', { class: 'check' }, box, ` ${text} `, h('code', {}, value));
    });
    const exact = h('input', { type: 'text', id: 'webhook-exact-events', spellcheck: 'false',
      placeholder: 'batch.completed, recipient.failed',
      value: [...chosen].filter((t) => !WILDCARDS.some(([w]) => w === t)).join(', ') });
    const retry = h('input', { type: 'checkbox', id: 'webhook-retry', checked: webhook?.retry_enabled ?? true });
    const postCall = h('input', { type: 'checkbox', id: 'webhook-post-call', checked: !creating && isPostCall(webhook) });
    const selectedPostCall = settings?.webhooks?.events ?? [];
    const postCallEvents = POST_CALL_EVENTS.map(([value, text]) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', value, class: 'post-call-event',
        checked: !selectedPostCall.length || selectedPostCall.includes(value) }), ` ${text}`));
    const otherPostCall = settings?.webhooks?.post_call_webhook_id && (creating || !isPostCall(webhook));
    const status = h('div', { 'aria-live': 'assertive' });
    const save = h('button', { type: 'submit', class: 'primary', id: 'save-webhook' }, creating ? 'Add webhook' : 'Save');

    const eventTypes = () => [
      ...wildcards.map((label) => label.querySelector('input')).filter((box) => box.checked).map((box) => box.value),
      ...exact.value.split(/[\s,]+/).filter(Boolean)];

    const form = h('form', { onsubmit: async (event) => {
      event.preventDefault();
      clear(status);
      save.disabled = true;
      try {
        let id = webhook?.webhook_id;
        let secret;
        const fields = { name: name.value.trim(), webhook_url: url.value.trim(), event_types: eventTypes(),
          retry_enabled: retry.checked };
        if (creating) {
          const created = await api('POST', PATH, { json: { settings: { auth_type: 'hmac', ...fields } } });
          id = created.webhook_id;
          secret = created.webhook_secret;
        } else {
          await api('PATCH', webhookPath(id), { json: { is_disabled: webhook.is_disabled, ...fields } });
        }
        try {
          await savePostCall(id, postCall.checked, postCallEvents.map((l) => l.querySelector('input'))
            .filter((box) => box.checked).map((box) => box.value));
        } catch (error) {
          // The webhook itself is saved: say so, and what went wrong with the post-call choice.
          if (secret) showSecret(dialog, fields.name, secret, error);
          else clear(status, errorBox(error));
          reload();
          return;
        }
        if (secret) showSecret(dialog, fields.name, secret);
        else dialog.close();
        await reload();
      } catch (error) {
        clear(status, errorBox(error));
      } finally {
        save.disabled = false;
      }
    } },
    h('div', { class: 'grid' },
      h('div', { class: 'field' }, h('label', { for: 'webhook-name' }, 'Name'), name),
      h('div', { class: 'field' }, h('label', { for: 'webhook-url' }, 'URL (http or https)'), url)),
    h('fieldset', {}, h('legend', {}, 'batchcall events'), wildcards,
      h('div', { class: 'field' }, h('label', { for: 'webhook-exact-events' },
        'Other event types, exactly (comma separated)'), exact)),
    h('fieldset', {}, h('legend', {}, 'ElevenLabs post-call webhook'),
      h('label', { class: 'check' }, postCall, ' Send post-call events here (the workspace has one post-call webhook)'),
      otherPostCall ? h('p', { class: 'small muted' }, 'Another webhook receives them now; choosing this one moves them here.')
        : null,
      postCallEvents),
    h('label', { class: 'check' }, retry, ' Retry failed deliveries (about 3 days); off means one attempt each'),
    status,
    h('div', { class: 'dialog-buttons' },
      h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'), save));
    const dialog = openDialog(creating ? 'New webhook' : `Edit ${webhook.name}`, form);
    name.focus();
  }

  /** Points the convai settings' post-call webhook at this one, or away from it when it was this one. */
  async function savePostCall(id, chosen, events) {
    const current = settings?.webhooks?.post_call_webhook_id ?? null;
    if (chosen) {
      settings = await api('PATCH', SETTINGS, { json: { webhooks: { post_call_webhook_id: id, events } } });
    } else if (current === id) {
      settings = await api('PATCH', SETTINGS, { json: { webhooks: { post_call_webhook_id: null } } });
    }
  }

  await reload();
}

/** Replaces the creation form with the secret, once, and a control that copies it. */
function showSecret(dialog, name, secret, postCallError) {
  const field = h('input', { type: 'text', id: 'webhook-secret', readonly: true, value: secret, class: 'mono',
    spellcheck: 'false', 'aria-describedby': 'secret-note' });
  const copied = h('span', { class: 'small muted', 'aria-live': 'polite', id: 'copy-status' });
  const copy = h('button', { type: 'button', id: 'copy-secret', onclick: async () => {
    try {
      await navigator.clipboard.writeText(secret);
      copied.textContent = 'Copied.';
    } catch {
      field.select();
      copied.textContent = 'Selected: press Ctrl+C (or ⌘C) to copy.';
    }
  } }, 'Copy');
  const done = h('button', { type: 'button', class: 'primary', id: 'secret-done', onclick: () => dialog.close() }, 'Done');
  dialog.addEventListener('close', () => { field.value = ''; });
  clear(dialog, h('h2', {}, `${name} was created`),
    postCallError ? errorBox(postCallError) : null,
    h('p', { id: 'secret-note' }, 'This is the webhook\'s signing secret. Copy it now: it is never shown again.'
      + ' Your receiver verifies each request with it (ElevenLabs-Signature or webhook-signature).'),
    h('div', { class: 'field' }, h('label', { for: 'webhook-secret' }, 'Secret'),
      h('div', { class: 'secret-row' }, field, copy)), copied,
    h('div', { class: 'dialog-buttons' }, done));
  field.focus();
  field.select();
}
