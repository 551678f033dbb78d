// Batches: newest first, a page at a time with the API's cursor, filtered by agent, live while any is active.
import { allAgents, api } from './api.js';
import { badge, clear, dateTime, empty, errorBox, h, isActive, pausedBadge, progressBar } from './ui.js';

const PAGE_SIZE = 20;
const POLL_MS = 2000;

export async function render(main) {
  const state = { agentId: '', cursors: [undefined], page: 0 };
  let timer;
  let left = false;
  const filter = h('select', { id: 'agent-filter', onchange: () => {
    state.agentId = filter.value;
    state.cursors = [undefined];
    state.page = 0;
    load();
  } }, h('option', { value: '' }, 'All agents'));
  const body = h('div', { id: 'batch-list', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading…'));
  const live = h('span', { class: 'muted small', id: 'live-indicator' });
  clear(main,
    h('h1', {}, 'Batches'),
    h('div', { class: 'toolbar' },
      h('div', {}, h('label', { for: 'agent-filter' }, 'Agent'), filter),
      h('div', { class: 'grow' }, live),
      h('a', { class: 'button primary', href: '#/batches/new' }, 'New batch')),
    body);

  allAgents().then((agents) => {
    for (const agent of agents) filter.append(h('option', { value: agent.agent_id }, agent.name));
    filter.value = state.agentId;
  }).catch(() => { /* the list still works unfiltered */ });

  async function load() {
    clearTimeout(timer);
    let result;
    try {
      result = await api('GET', '/v1/convai/batch-calling/workspace', {
        query: { limit: PAGE_SIZE, last_doc: state.cursors[state.page], agent_id: state.agentId },
      });
    } catch (error) {
      if (!left) clear(body, errorBox(error));
      return;
    }
    if (left) return;
    state.cursors[state.page + 1] = result.has_more ? result.next_doc : undefined;
    clear(body, result.batch_calls.length ? table(result.batch_calls) : emptyState(), pager(result.has_more));
    const active = result.batch_calls.some(isActive);
    live.textContent = active ? 'Updating live' : '';
    if (active) timer = setTimeout(load, POLL_MS);
  }

  function emptyState() {
    if (state.page > 0) return empty('No more batches.');
    return state.agentId ? empty('No batches for this agent yet.')
      : empty('No batches yet. Upload a spreadsheet of recipients to create the first one.',
        h('a', { class: 'button primary', href: '#/batches/new' }, 'New batch'));
  }

  function pager(hasMore) {
    return h('div', { class: 'pager' },
      h('button', { type: 'button', disabled: state.page === 0, onclick: () => { state.page--; load(); } }, 'Newer'),
      h('span', { class: 'muted' }, `Page ${state.page + 1}`),
      h('button', { type: 'button', disabled: !hasMore, id: 'older', onclick: () => { state.page++; load(); } },
        'Older'));
  }

  load();
  return () => { left = true; clearTimeout(timer); };
}

function table(batches) {
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', { class: 'hide-narrow' }, 'Agent'), h('th', {}, 'Status'),
      h('th', {}, 'Progress'), h('th', { class: 'hide-narrow' }, 'Created'), h('th', { class: 'hide-narrow' }, 'Scheduled'))),
    h('tbody', {}, batches.map((batch) => h('tr', { 'data-batch-id': batch.id },
      h('td', {}, h('a', { href: `#/batches/${encodeURIComponent(batch.id)}` }, batch.name)),
      h('td', { class: 'hide-narrow' }, batch.agent_name),
      h('td', {}, badge(batch.status), pausedBadge(batch),
        batch.paused && batch.paused_at_unix ? h('div', { class: 'small muted' }, `since ${dateTime(batch.paused_at_unix)}`) : null),
      h('td', {}, progressBar(batch)),
      h('td', { class: 'hide-narrow small' }, dateTime(batch.created_at_unix)),
      h('td', { class: 'hide-narrow small' }, dateTime(batch.scheduled_time_unix, batch.timezone)))))));
}
