// The dashboard's only way to the server: the public API, with the key kept for this browser session.
const KEY = 'batchcall.apiKey';

export class ApiError extends Error {
  constructor(status, message, problems = []) {
    super(message);
    this.status = status;
    this.problems = problems; // 422: [{field, message}]
  }
}

export const session = {
  key: () => sessionStorage.getItem(KEY),
  signIn: (key) => sessionStorage.setItem(KEY, key),
  signOut: () => sessionStorage.removeItem(KEY),
};

let onUnauthorized = () => {};
export function whenUnauthorized(handler) { onUnauthorized = handler; }

/** Calls the API; answers the parsed JSON (null for an empty body), or throws an ApiError in words. */
export async function api(method, path, { json, form, query, key, raw, idempotencyKey } = {}) {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, value);
  }
  const headers = { 'xi-api-key': key ?? session.key() ?? '' };
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body });
  } catch {
    throw new ApiError(0, 'Cannot reach the batchcall server. Is it running?');
  }
  if (!response.ok) {
    const error = await toError(response);
    if (response.status === 401 && key === undefined) onUnauthorized(error);
    throw error;
  }
  if (raw) return response;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

async function toError(response) {
  let body = null;
  try { body = await response.json(); } catch { /* not JSON */ }
  const detail = body?.detail;
  if (Array.isArray(detail)) {
    const problems = detail.map((d) => ({
      field: (d.loc ?? []).filter((part) => part !== 'body' && part !== 'query').join('.'),
      message: d.msg,
    }));
    const summary = problems.length === 1 ? 'The server refused this: ' + describe(problems[0])
      : `The server refused this for ${problems.length} reasons.`;
    return new ApiError(response.status, summary, problems);
  }
  if (detail?.status === 'invalid_api_key') {
    return new ApiError(401, 'That API key was not accepted: it is unknown or has been revoked.');
  }
  if (detail?.status === 'needs_authorization') {
    return new ApiError(401, 'An API key is needed. Sign in again.');
  }
  if (detail?.message) return new ApiError(response.status, detail.message);
  if (response.status === 413) return new ApiError(413, 'That is too large for the server to accept.');
  return new ApiError(response.status, `The server answered ${response.status} ${response.statusText}.`);
}

/**
 * A fresh Idempotency-Key for one operator action, so that sending it again (a retry after a lost answer) is not
 * applied twice. getRandomValues, unlike randomUUID, also works on a plain-http LAN address.
 */
export function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return 'dash-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function describe(problem) {
  return problem.field ? `${problem.field}: ${problem.message}` : problem.message;
}

/** Every page of a cursor-paged list, up to a bound, for pickers (agents) that need them all. */
export async function allAgents() {
  const agents = [];
  let cursor;
  for (let page = 0; page < 10; page++) {
    const result = await api('GET', '/v1/convai/agents', { query: { page_size: 100, cursor } });
    agents.push(...result.agents);
    if (!result.has_more) break;
    cursor = result.next_cursor;
  }
  return agents;
}
