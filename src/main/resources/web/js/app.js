// The shell: sign-in, navigation and a hash router that gives each page the main element.
import { api, session, whenUnauthorized } from './api.js';
import { clear, errorBox, h } from './ui.js';
import * as batches from './batches.js';
import * as newBatch from './new-batch.js';
import * as batch from './batch.js';
import * as agents from './agents.js';
import * as phoneNumbers from './phone-numbers.js';
import * as webhooks from './webhooks.js';
import * as webhook from './webhook.js';

const main = document.getElementById('main');
const top = document.getElementById('top');
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
      await showWorkspace();
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
  try {
    const workspace = await api('GET', '/v1/batchcall/workspace');
    document.getElementById('workspace-name').textContent = `Workspace: ${workspace.name ?? workspace.workspace_id}`;
  } catch {
    // The pages report errors themselves.
  }
}

document.getElementById('sign-out').addEventListener('click', () => {
  session.signOut();
  leavePage();
  leavePage = () => {};
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
if (session.key()) showWorkspace();
show();
