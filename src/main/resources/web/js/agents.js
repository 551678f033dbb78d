// Agents: the voice agents batches call with. List, create, edit, delete.
import { api } from './api.js';
import { clear, confirmDialog, dateTime, empty, errorBox, h, openDialog } from './ui.js';

export async function render(main) {
  const state = { search: '', cursor: undefined, agents: [], hasMore: false };
  const list = h('div', { id: 'agent-list', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading…'));
  const messages = h('div', { 'aria-live': 'assertive' });
  let searchTimer;
  const search = h('input', { type: 'search', id: 'agent-search', placeholder: 'Name contains…', oninput: () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => { state.search = search.value.trim(); reload(); }, 250);
  } });
  clear(main, h('h1', {}, 'Agents'),
    h('div', { class: 'toolbar' },
      h('div', { class: 'grow' }, h('label', { for: 'agent-search' }, 'Search'), search),
      h('button', { type: 'button', class: 'primary', id: 'new-agent', onclick: () => edit(null) }, 'New agent')),
    messages, list);

  async function reload() {
    state.cursor = undefined;
    state.agents = [];
    await more();
  }

  async function more() {
    try {
      const page = await api('GET', '/v1/convai/agents', { query: { page_size: 50, cursor: state.cursor, search: state.search } });
      state.agents.push(...page.agents);
      state.cursor = page.next_cursor;
      state.hasMore = page.has_more;
      draw();
    } catch (error) {
      clear(list, errorBox(error));
    }
  }

  function draw() {
    if (!state.agents.length) {
      clear(list, state.search ? empty('No agent has that in its name.')
        : empty('No agents yet. A batch needs an agent to talk to the people it calls.',
          h('button', { type: 'button', class: 'primary', onclick: () => edit(null) }, 'New agent')));
      return;
    }
    clear(list, h('div', { class: 'table-wrap' }, h('table', { id: 'agent-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', { class: 'hide-narrow' }, 'Id'),
        h('th', { class: 'hide-narrow' }, 'Created'), h('th', {}, ''))),
      h('tbody', {}, state.agents.map((a) => h('tr', { 'data-agent-id': a.agent_id },
        h('td', {}, a.name), h('td', { class: 'mono small hide-narrow' }, a.agent_id),
        h('td', { class: 'small hide-narrow' }, dateTime(a.created_at_unix_secs)),
        h('td', {}, h('div', { class: 'actions' },
          h('button', { type: 'button', onclick: () => edit(a.agent_id) }, 'Edit'),
          h('button', { type: 'button', class: 'danger', onclick: () => remove(a) }, 'Delete')))))))),
    state.hasMore ? h('div', { class: 'pager' }, h('button', { type: 'button', onclick: more }, 'Load more')) : null);
  }

  async function remove(agent) {
    if (!await confirmDialog(`Delete ${agent.name}?`, 'Finished batches keep its name. Its phone numbers are unassigned.',
      'Delete', true)) return;
    try {
      await api('DELETE', `/v1/convai/agents/${encodeURIComponent(agent.agent_id)}`);
      clear(messages, h('div', { class: 'ok', role: 'status' }, `${agent.name} was deleted.`));
      await reload();
    } catch (error) {
      clear(messages, errorBox(error));
    }
  }

  async function edit(agentId) {
    let agent = { name: '', conversation_config: {}, concurrency_limit: null };
    if (agentId) {
      try {
        agent = await api('GET', `/v1/convai/agents/${encodeURIComponent(agentId)}`);
      } catch (error) {
        clear(messages, errorBox(error));
        return;
      }
    }
    const config = structuredClone(agent.conversation_config ?? {});
    const name = h('input', { type: 'text', id: 'agent-name', required: true, value: agent.name });
    const firstMessage = h('textarea', { id: 'agent-first-message' });
    firstMessage.value = config.agent?.first_message ?? '';
    const prompt = h('textarea', { id: 'agent-prompt' });
    prompt.value = config.agent?.prompt?.prompt ?? '';
    const language = h('input', { type: 'text', id: 'agent-language', placeholder: 'en', value: config.agent?.language ?? '' });
    const limit = h('input', { type: 'number', id: 'agent-concurrency', min: '1', placeholder: 'Workspace limit',
      value: agent.concurrency_limit ?? '' });
    const status = h('div', { 'aria-live': 'assertive' });
    const form = h('form', { onsubmit: async (event) => {
      event.preventDefault();
      config.agent = { ...(config.agent ?? {}), first_message: firstMessage.value, language: language.value || undefined,
        prompt: { ...(config.agent?.prompt ?? {}), prompt: prompt.value } };
      const body = { name: name.value.trim(), conversation_config: config,
        concurrency_limit: limit.value ? Number(limit.value) : null };
      try {
        if (agentId) await api('PATCH', `/v1/convai/agents/${encodeURIComponent(agentId)}`, { json: body });
        else await api('POST', '/v1/convai/agents/create', { json: body });
        dialog.close();
        await reload();
      } catch (error) {
        clear(status, errorBox(error));
      }
    } },
    h('div', { class: 'field' }, h('label', { for: 'agent-name' }, 'Name'), name),
    h('div', { class: 'field' }, h('label', { for: 'agent-first-message' }, 'First message'), firstMessage),
    h('div', { class: 'field' }, h('label', { for: 'agent-prompt' }, 'System prompt'), prompt),
    h('div', { class: 'grid' },
      h('div', { class: 'field' }, h('label', { for: 'agent-language' }, 'Language'), language),
      h('div', { class: 'field' }, h('label', { for: 'agent-concurrency' }, 'Concurrency limit'), limit)),
    status,
    h('div', { class: 'dialog-buttons' },
      h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'),
      h('button', { type: 'submit', class: 'primary', id: 'save-agent' }, agentId ? 'Save' : 'Create agent')));
    const dialog = openDialog(agentId ? `Edit ${agent.name}` : 'New agent', form);
    name.focus();
  }

  await reload();
  return () => clearTimeout(searchTimer);
}
