// The shell: sign-in, navigation and a hash router that gives each page the main element.
import { api, newIdempotencyKey, session, whenUnauthorized } from './api.js';
import { clear, confirmDialog, errorBox, h } from './ui.js';
import * as batches from './batches.js';
import * as newBatch from './new-batch.js';
import * as batch from './batch.js';
import * as agents from './agents.js';
import * as phoneNumbers from './phone-numbers.js';
import * as webhooks from './webhooks.js';
import * as webhook from './webhook.js';

const main = document.getElementById('main');
const top = document.getElementById('top');
const dispatchToggle = document.getElementById('dispatch-toggle');
const dispatchBanner = document.getElementById('dispatch-banner');
const WORKSPACE_POLL_MS = 15_000;
let workspaceTimer;
let leavePage = () => {};

const routes = [
  { pattern: /^#\/batches\/new$/, nav: 'new', page: newBatch },
  { pattern: /^#\/batches\/([^/]+)$/, nav: 'batches', page: batch },
  { pattern: /^#\/agents$/, nav: 'agents', page: agents },
  { pattern: /^#\/phone-numbers$/, nav: 'phone-numbers', page: phoneNumbers },
  { pattern: /^#\/webhooks$/, nav: 'webhooks', page: webhooks },
  { pattern: /^#\/webhooks\/([^/]+)$/, nav: 'webhooks', page: webhook },
  { pattern: /^#\/batches$/, nav: 'batches', page: batches },
];

async function show() {
  leavePage();
  leavePage = () => {};
  if (!session.key()) {
    signInPage();
    return;
  }
  top.hidden = false;
  // Every page says whether dispatch is stopped, fresh when the operator moves (another tab may have changed it).
  showWorkspace();
  const route = routes.find((r) => r.pattern.test(location.hash));
  if (!route) {
    location.replace('#/batches');
    return;
  }
  for (const link of top.querySelectorAll('[data-nav]')) {
    if (link.dataset.nav === route.nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const params = location.hash.match(route.pattern).slice(1).map(decodeURIComponent);
  clear(main);
  const leave = await route.page.render(main, ...params);
  if (typeof leave === 'function') leavePage = leave;
}

function signInPage(problem) {
  top.hidden = true;
  drawDispatch(null);
  const input = h('input', { type: 'password', id: 'api-key', name: 'api-key', autocomplete: 'off',
    required: true, spellcheck: 'false' });
  const status = h('div', { 'aria-live': 'polite' }, problem ? errorBox(problem) : null);
  const button = h('button', { type: 'submit', class: 'primary', id: 'sign-in' }, 'Sign in');
  const form = h('form', { class: 'card signin', onsubmit: async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    button.disabled = true;
    clear(status);
    try {
      await api('GET', '/v1/batchcall/workspace', { key });
      session.signIn(key);
      if (!location.hash || location.hash === '#/sign-in') location.hash = '#/batches';
      else show();
    } catch (error) {
      clear(status, errorBox(error));
      input.focus();
    } finally {
      button.disabled = false;
    }
  } },
  h('h1', {}, 'Sign in to batchcall'),
  h('p', { class: 'muted' }, 'Paste an API key of your workspace. The server prints the default workspace\'s key'
    + ' on its first start. The key is kept only in this browser tab until you sign out or close it.'),
  h('div', { class: 'field' }, h('label', { for: 'api-key' }, 'API key'), input),
  status, button);
  clear(main, form);
  input.focus();
}

async function showWorkspace() {
  clearTimeout(workspaceTimer);
  if (!session.key()) return;
  try {
    const workspace = await api('GET', '/v1/batchcall/workspace');
    if (!session.key()) return;
    document.getElementById('workspace-name').textContent = `Workspace: ${workspace.name ?? workspace.workspace_id}`;
    drawDispatch(workspace);
  } catch {
    // The pages report errors themselves.
  }
  if (session.key()) workspaceTimer = setTimeout(showWorkspace, WORKSPACE_POLL_MS);
}

/** The workspace's emergency stop (dispatch_paused): the header's toggle and, while it is on, a banner. */
function drawDispatch(workspace) {
  const known = typeof workspace?.dispatch_paused === 'boolean';
  const paused = known && workspace.dispatch_paused;
  // A server without the setting shows no toggle rather than one that cannot work.
  dispatchToggle.hidden = !known;
  dispatchToggle.textContent = paused ? 'Resume dialing' : 'Stop all dialing';
  dispatchToggle.classList.toggle('resume', paused);
  dispatchToggle.dataset.paused = String(paused);
  dispatchToggle.setAttribute('aria-pressed', String(paused));
  dispatchBanner.hidden = !paused;
  if (paused) {
    clear(dispatchBanner, h('strong', {}, 'Dialing is stopped for the whole workspace.'),
      ' No batch starts a new call until it is resumed; calls already in progress finish.',
      h('button', { type: 'button', id: 'dispatch-resume', onclick: toggleDispatch }, 'Resume dialing'));
  } else {
    clear(dispatchBanner);
  }
}

async function toggleDispatch() {
  const stop = dispatchToggle.dataset.paused !== 'true';
  const confirmed = stop
    ? await confirmDialog('Stop all dialing?', 'No batch of this workspace starts a new call, on any node, until you'
      + ' resume. Calls already in progress finish. Batches keep their place.', 'Stop all dialing', true)
    : await confirmDialog('Resume dialing?', 'Every running batch of this workspace starts calling again.',
      'Resume dialing');
  if (!confirmed) return;
  try {
    const workspace = await api('PATCH', '/v1/batchcall/workspace', { json: { dispatch_paused: stop },
      idempotencyKey: newIdempotencyKey() });
    drawDispatch(workspace?.dispatch_paused === undefined ? { dispatch_paused: stop } : workspace);
  } catch (error) {
    // Kept until the next refresh, so the operator reads why nothing changed.
    dispatchBanner.hidden = false;
    clear(dispatchBanner, errorBox(error));
  }
}

dispatchToggle.addEventListener('click', toggleDispatch);

document.getElementById('sign-out').addEventListener('click', () => {
  session.signOut();
  leavePage();
  leavePage = () => {};
  clearTimeout(workspaceTimer);
  document.getElementById('workspace-name').textContent = '';
  signInPage();
});

whenUnauthorized((error) => {
  session.signOut();
  leavePage();
  leavePage = () => {};
  signInPage(error);
});

window.addEventListener('hashchange', show);
show();
