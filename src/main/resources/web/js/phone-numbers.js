// Phone numbers: the numbers batches call from, per provider. Credentials can be set, never read back.
import { allAgents, api } from './api.js';
import { clear, confirmDialog, empty, errorBox, h, openDialog } from './ui.js';

const PROVIDERS = {
  simulator: { label: 'Simulator (no real calls)', fields: [] },
  twilio: { label: 'Twilio', fields: [['sid', 'Account SID', 'text'], ['token', 'Auth token', 'password']] },
  sip_trunk: { label: 'SIP trunk', fields: [['address', 'Outbound trunk address (host[:port])', 'text'],
    ['username', 'SIP username', 'text'], ['password', 'SIP password', 'password']] },
  exotel: { label: 'Exotel', fields: [['account_sid', 'Account SID', 'text'], ['api_key', 'API key', 'password'],
    ['api_token', 'API token', 'password'], ['api_subdomain', 'API subdomain (api.exotel.com or api.in.exotel.com)', 'text'],
    ['app_id', 'App id (the flow whose Voicebot applet reaches your agent)', 'text'],
    ['applet_url', 'Applet URL (optional, replaces the app id\'s flow)', 'text'],
    ['agent_stream', 'Stream calls straight to the agent\'s media stream URL instead', 'checkbox']] },
};

export async function render(main) {
  const list = h('div', { id: 'number-list', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading…'));
  const messages = h('div', { 'aria-live': 'assertive' });
  let agents = [];
  clear(main, h('h1', {}, 'Phone numbers'),
    h('div', { class: 'toolbar' }, h('div', { class: 'grow muted small' },
      'Batches call from these numbers. Secrets (tokens, passwords, keys) are stored encrypted and never shown again.'),
    h('button', { type: 'button', class: 'primary', id: 'new-number', onclick: () => edit(null) }, 'New phone number')),
    messages, list);

  async function reload() {
    try {
      const [numbers, all] = await Promise.all([api('GET', '/v1/convai/phone-numbers'), allAgents()]);
      agents = all;
      draw(numbers);
    } catch (error) {
      clear(list, errorBox(error));
    }
  }

  function draw(numbers) {
    if (!numbers.length) {
      clear(list, empty('No phone numbers yet. Add one to call from; the simulator needs no provider account.',
        h('button', { type: 'button', class: 'primary', onclick: () => edit(null) }, 'New phone number')));
      return;
    }
    clear(list, h('div', { class: 'table-wrap' }, h('table', { id: 'number-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Label'), h('th', {}, 'Number'), h('th', {}, 'Provider'),
        h('th', { class: 'hide-narrow' }, 'Agent'), h('th', { class: 'num hide-narrow' }, 'Calls/s'), h('th', {}, ''))),
      h('tbody', {}, numbers.map((n) => h('tr', { 'data-number-id': n.phone_number_id },
        h('td', {}, n.label), h('td', { class: 'mono' }, n.phone_number), h('td', {}, n.provider),
        h('td', { class: 'hide-narrow' }, n.assigned_agent?.agent_name ?? '—'),
        h('td', { class: 'num hide-narrow' }, n.cps ?? ''),
        h('td', {}, h('div', { class: 'actions' },
          h('button', { type: 'button', onclick: () => edit(n) }, 'Edit'),
          h('button', { type: 'button', class: 'danger', onclick: () => remove(n) }, 'Delete')))))))));
  }

  async function remove(number) {
    if (!await confirmDialog(`Delete ${number.label}?`, 'Finished batches keep showing it. A number a running batch'
      + ' calls from cannot be deleted.', 'Delete', true)) return;
    try {
      await api('DELETE', `/v1/convai/phone-numbers/${encodeURIComponent(number.phone_number_id)}`);
      clear(messages, h('div', { class: 'ok', role: 'status' }, `${number.label} was deleted.`));
      await reload();
    } catch (error) {
      clear(messages, errorBox(error));
    }
  }

  function edit(number) {
    const creating = number === null;
    const provider = h('select', { id: 'number-provider', disabled: !creating },
      Object.entries(PROVIDERS).map(([value, p]) => h('option', { value }, p.label)));
    provider.value = number?.provider ?? 'simulator';
    const phone = h('input', { type: 'text', id: 'number-phone', required: true, placeholder: '+14155550123',
      value: number?.phone_number ?? '', disabled: !creating });
    const label = h('input', { type: 'text', id: 'number-label', required: true, value: number?.label ?? '' });
    const agent = h('select', { id: 'number-agent' }, h('option', { value: '' }, 'No agent'),
      agents.map((a) => h('option', { value: a.agent_id }, a.name)));
    agent.value = number?.assigned_agent?.agent_id ?? '';
    const cps = h('input', { type: 'number', id: 'number-cps', min: '0.001', step: 'any', value: number?.cps ?? '',
      placeholder: 'Provider default' });
    const secrets = h('div', {});
    const inputs = {};
    const drawSecrets = () => {
      const spec = PROVIDERS[provider.value];
      const editable = creating || provider.value === 'sip_trunk';
      clear(secrets, editable ? spec.fields.map(([key, text, type]) => {
        inputs[key] = h('input', { type, id: `number-${key}`, autocomplete: 'off',
          placeholder: !creating && type === 'password' ? 'Stored: leave empty to keep' : '',
          value: !creating && key === 'address' ? number.outbound_trunk?.address ?? '' : !creating && key === 'username'
            ? number.outbound_trunk?.username ?? '' : '' });
        return h('div', { class: 'field' }, h('label', { for: `number-${key}` }, text), inputs[key]);
      }) : h('p', { class: 'muted small' }, 'Stored credentials cannot be read back. To change them, delete the number and add it again.'));
    };
    provider.addEventListener('change', drawSecrets);
    drawSecrets();
    const status = h('div', { 'aria-live': 'assertive' });
    const form = h('form', { onsubmit: async (event) => {
      event.preventDefault();
      const value = (key) => inputs[key]?.value.trim() || undefined;
      const body = { label: label.value.trim(), agent_id: agent.value || null };
      if (cps.value) body.cps = Number(cps.value);
      if (provider.value === 'sip_trunk' && value('address')) {
        body.outbound_trunk_config = { address: value('address'),
          credentials: value('username') ? { username: value('username'), password: value('password') } : undefined };
      }
      if (creating) {
        Object.assign(body, { provider: provider.value, phone_number: phone.value.trim() });
        for (const key of ['sid', 'token', 'account_sid', 'api_key', 'api_token', 'api_subdomain', 'app_id',
          'applet_url']) {
          if (provider.value !== 'sip_trunk' && value(key)) body[key] = value(key);
        }
        if (provider.value === 'exotel') body.agent_stream = Boolean(inputs.agent_stream?.checked);
      }
      try {
        if (creating) await api('POST', '/v1/convai/phone-numbers', { json: body });
        else await api('PATCH', `/v1/convai/phone-numbers/${encodeURIComponent(number.phone_number_id)}`, { json: body });
        dialog.close();
        await reload();
      } catch (error) {
        clear(status, errorBox(error));
      }
    } },
    h('div', { class: 'grid' },
      h('div', { class: 'field' }, h('label', { for: 'number-provider' }, 'Provider'), provider),
      h('div', { class: 'field' }, h('label', { for: 'number-phone' }, 'Phone number'), phone),
      h('div', { class: 'field' }, h('label', { for: 'number-label' }, 'Label'), label),
      h('div', { class: 'field' }, h('label', { for: 'number-agent' }, 'Agent'), agent),
      h('div', { class: 'field' }, h('label', { for: 'number-cps' }, 'Calls per second'), cps)),
    secrets, status,
    h('div', { class: 'dialog-buttons' },
      h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'),
      h('button', { type: 'submit', class: 'primary', id: 'save-number' }, creating ? 'Add number' : 'Save')));
    const dialog = openDialog(creating ? 'New phone number' : `Edit ${number.label}`, form);
    (creating ? phone : label).focus();
  }

  await reload();
}
