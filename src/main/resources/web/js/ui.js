// Small shared pieces: building elements, showing errors, dialogs, formatting.
import { ApiError, describe } from './api.js';

/** h('a', {href: '#'}, 'text', child): an element; strings become text nodes (never HTML). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else if (name in element && typeof value !== 'string') element[name] = value;
    else element.setAttribute(name, value === true ? '' : value);
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

export function clear(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** An error box saying what went wrong, in words, with the server's reasons listed. */
export function errorBox(error) {
  const box = h('div', { class: 'error', role: 'alert' }, error instanceof ApiError ? error.message
    : `Something went wrong: ${error?.message ?? error}`);
  if (error instanceof ApiError && error.problems.length > 1) {
    box.append(h('ul', {}, error.problems.map((p) => h('li', {}, describe(p)))));
  }
  return box;
}

export function badge(status) {
  return h('span', { class: `badge ${status}` }, (status ?? '').replace('_', ' '));
}

/**
 * The "paused" mark of a batch (our extension field), with when it was paused; null when it is not paused. EL's
 * status stays in_progress or pending while paused, so the mark goes beside the status badge, not instead of it.
 */
export function pausedBadge(batch) {
  if (!batch.paused) return null;
  const since = batch.paused_at_unix ? `Paused since ${dateTime(batch.paused_at_unix)}` : 'Paused';
  return h('span', { class: 'badge paused', title: since, 'data-paused-at': batch.paused_at_unix ?? '' }, 'paused');
}

export function empty(message, action) {
  return h('div', { class: 'empty card' }, h('p', {}, message), action);
}

/** A modal dialog; answers true when its primary button was used. */
export function confirmDialog(title, message, confirmLabel, danger = false) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { 'aria-labelledby': 'confirm-title' },
      h('h2', { id: 'confirm-title' }, title), h('p', {}, message),
      h('form', { method: 'dialog', class: 'dialog-buttons' },
        h('button', { value: 'cancel', type: 'submit' }, 'Keep it'),
        h('button', { value: 'ok', type: 'submit', class: danger ? 'danger' : 'primary', id: 'confirm-ok' },
          confirmLabel)));
    dialog.addEventListener('close', () => { dialog.remove(); resolve(dialog.returnValue === 'ok'); });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** A modal dialog holding `content`; answers the dialog so the caller can close it. */
export function openDialog(title, content) {
  const dialog = h('dialog', { 'aria-label': title }, h('h2', {}, title), content);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

const numberFormat = new Intl.NumberFormat();
export const count = (n) => numberFormat.format(n ?? 0);

/** A unix-seconds time in the viewer's zone, or in `timeZone` when given (with the zone's name shown). */
export function dateTime(unixSeconds, timeZone) {
  if (unixSeconds === null || unixSeconds === undefined) return '';
  const date = new Date(unixSeconds * 1000);
  if (timeZone) {
    try {
      // dateStyle cannot be combined with timeZoneName, so the parts are named one by one.
      return new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric',
        minute: '2-digit', timeZone, timeZoneName: 'short' }).format(date);
    } catch {
      // An unknown zone: fall back to the viewer's.
    }
  }
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

export function millisTime(ms) {
  if (ms === null || ms === undefined) return '';
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' }).format(new Date(ms));
}

/** Finished / scheduled as a bar, with the dispatched share beside the finished one. */
export function progressBar(batch) {
  const total = Math.max(batch.total_calls_scheduled, 0);
  const finished = total ? Math.round((batch.total_calls_finished / total) * 100) : 0;
  const inFlight = Math.max(batch.total_calls_dispatched - batch.total_calls_finished, 0);
  const dispatched = total ? Math.round((inFlight / total) * 100) : 0;
  const done = h('span', { class: 'done' });
  done.style.width = `${finished}%`;
  const flying = h('span', { class: 'dispatched' });
  flying.style.left = `${finished}%`;
  flying.style.width = `${Math.min(dispatched, 100 - finished)}%`;
  return h('div', {},
    h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100',
      'aria-valuenow': String(finished), 'aria-label': 'Finished' }, done, flying),
    h('div', { class: 'progress-text' },
      `${count(batch.total_calls_finished)} / ${count(total)} finished (${finished}%) · ${count(batch.total_calls_dispatched)} dispatched`));
}

/** True while the server is (or is about to be) working on a batch: worth polling. */
export function isActive(batch) {
  return batch.status === 'in_progress'
    || (batch.status === 'pending' && batch.scheduled_time_unix * 1000 <= Date.now() + 2000);
}

/** Downloads a Blob under a file name. */
export function download(blob, fileName) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
