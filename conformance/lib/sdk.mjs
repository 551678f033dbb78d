// Shared helpers for the SDK conformance suite. Not a test file: node --test only runs test/*.test.mjs.
//
// Every call under test goes through the official SDK. Raw fetch is used only where the SDK has no method:
// the admin API (to give each test file its own workspace) and a request without any API key.
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { ElevenLabsClient, ElevenLabsError, ElevenLabs } from "@elevenlabs/elevenlabs-js";

export { ElevenLabs, ElevenLabsError };

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite through conformance/run <jar>`);
  return value;
}

export const baseUrl = requiredEnv("BATCHCALL_BASE_URL").replace(/\/+$/, "");
export const defaultApiKey = requiredEnv("BATCHCALL_API_KEY");
const adminToken = process.env.BATCHCALL_ADMIN_TOKEN;

/** An SDK client exactly as a user would build it, with retries off so that failures show at once. */
export function sdkClient(apiKey) {
  return new ElevenLabsClient({ apiKey, baseUrl, maxRetries: 0, timeoutInSeconds: 30 });
}

/**
 * A fresh workspace (through the admin API, which the SDK does not know) and an SDK client holding its key,
 * so that each test file sees only its own agents, numbers and batches. Without an admin token the suite
 * falls back to the default workspace's key.
 */
export async function newWorkspaceClient(name, concurrencyLimit = 50) {
  return sdkClient(await newWorkspaceKey(name, concurrencyLimit));
}

/** The API key of a fresh workspace, for the few requests the SDK has no method for (see newWorkspaceClient). */
export async function newWorkspaceKey(name, concurrencyLimit = 50) {
  if (!adminToken) return defaultApiKey;
  const response = await fetch(`${baseUrl}/admin/v1/workspaces`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name: `conformance ${name} ${Date.now()}`, concurrency_limit: concurrencyLimit }),
  });
  const text = await response.text();
  assert.equal(response.status, 201, `admin API: create workspace answered ${response.status}: ${text}`);
  const workspace = JSON.parse(text);
  assert.equal(typeof workspace.api_key, "string");
  return workspace.api_key;
}

/** Memoizes an async fixture: every test that needs it awaits the same promise (and sees the same error). */
export function lazy(create) {
  let promise;
  return () => (promise ??= create());
}

/**
 * Asserts that a promise rejects with an HTTP error from the SDK (never a ParseError/JsonError, which are not
 * ElevenLabsErrors) carrying the given status code, and returns the error for further checks.
 */
export async function expectHttpError(promise, statusCode) {
  let error;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }
  assert.ok(error, `expected an HTTP ${statusCode} error, but the call succeeded`);
  assert.ok(
    error instanceof ElevenLabsError,
    `expected an ElevenLabsError with status ${statusCode}, got ${error?.constructor?.name}: ${error?.message}`,
  );
  assert.equal(error.statusCode, statusCode, `expected status ${statusCode}: ${error.message}`);
  return error;
}

/** Asserts the error body is ElevenLabs' non-validation shape {detail:{status,message}}. */
export function assertDetailStatus(error, expectedStatus) {
  assert.equal(typeof error.body, "object", `error body is not JSON: ${String(error.body)}`);
  assert.equal(typeof error.body.detail, "object", `no detail object in ${JSON.stringify(error.body)}`);
  assert.equal(typeof error.body.detail.message, "string");
  if (expectedStatus) assert.equal(error.body.detail.status, expectedStatus);
  else assert.equal(typeof error.body.detail.status, "string");
}

/**
 * Asserts a 422 is the SDK's UnprocessableEntityError with FastAPI's body {detail:[{loc,msg,type}]} and that
 * one entry's loc is exactly `loc`.
 */
export function assertValidationError(error, loc) {
  assert.ok(
    error instanceof ElevenLabs.UnprocessableEntityError,
    `expected UnprocessableEntityError, got ${error?.constructor?.name}`,
  );
  const detail = error.body?.detail;
  assert.ok(Array.isArray(detail) && detail.length > 0, `detail is not a non-empty list: ${JSON.stringify(error.body)}`);
  for (const entry of detail) {
    assert.ok(Array.isArray(entry.loc), `loc is not a list: ${JSON.stringify(entry)}`);
    assert.equal(typeof entry.msg, "string");
    assert.equal(typeof entry.type, "string");
  }
  assert.ok(
    detail.some((entry) => JSON.stringify(entry.loc) === JSON.stringify(loc)),
    `no entry with loc ${JSON.stringify(loc)} in ${JSON.stringify(detail)}`,
  );
}

/** Calls `probe` every `interval` ms until it returns a truthy value, or fails after `timeout` ms. */
export async function pollUntil(description, probe, { timeout = 60_000, interval = 200 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await probe();
    if (last.done) return last.value;
    if (Date.now() > deadline) {
      assert.fail(`timed out after ${timeout} ms waiting for ${description}; last seen: ${JSON.stringify(last.value)}`);
    }
    await sleep(interval);
  }
}

/** Removes keys whose value is undefined (the SDK's rendering of JSON null in optional fields), recursively. */
export function withoutUndefined(value) {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, withoutUndefined(v)]),
    );
  }
  return value;
}

export const nowUnix = () => Math.floor(Date.now() / 1000);

export function assertInteger(value, name) {
  assert.ok(Number.isInteger(value), `${name} should be an integer, got ${JSON.stringify(value)}`);
}

const BATCH_STATUSES = ["pending", "in_progress", "completed", "failed", "cancelled"];
export const RECIPIENT_STATUSES = [
  "pending", "dispatched", "initiated", "in_progress", "completed", "failed", "cancelled", "voicemail",
];
export const TERMINAL_RECIPIENT_STATUSES = ["completed", "failed", "cancelled", "voicemail"];

/** Every required key of BatchCallResponse, typed as the spec says (nullable ones null -> undefined). */
export function assertBatchShape(batch) {
  assert.match(batch.id, /\S/);
  assert.equal(typeof batch.name, "string");
  assert.equal(typeof batch.agentId, "string");
  assert.equal(typeof batch.agentName, "string");
  for (const key of [
    "createdAtUnix", "scheduledTimeUnix", "lastUpdatedAtUnix",
    "totalCallsDispatched", "totalCallsScheduled", "totalCallsFinished", "retryCount",
  ]) {
    assertInteger(batch[key], key);
  }
  assert.ok(BATCH_STATUSES.includes(batch.status), `unknown batch status ${batch.status}`);
  assert.equal(typeof batch.telephonyCallConfig, "object");
  assert.notEqual(batch.telephonyCallConfig, null);
  for (const key of ["phoneNumberId", "branchId", "environment", "timezone", "branchName"]) {
    assert.ok(batch[key] === undefined || typeof batch[key] === "string", `${key}: ${JSON.stringify(batch[key])}`);
  }
  assert.ok(batch.targetConcurrencyLimit === undefined || Number.isInteger(batch.targetConcurrencyLimit));
}

/** BatchCallDetailedResponse: the batch plus every recipient with its required keys. */
export function assertDetailedBatchShape(batch) {
  assertBatchShape(batch);
  assert.ok(Array.isArray(batch.recipients), "recipients is not a list");
  for (const recipient of batch.recipients) {
    assert.match(recipient.id, /\S/);
    assert.ok(RECIPIENT_STATUSES.includes(recipient.status), `unknown recipient status ${recipient.status}`);
    assertInteger(recipient.createdAtUnix, "recipient.createdAtUnix");
    assertInteger(recipient.updatedAtUnix, "recipient.updatedAtUnix");
    assert.ok(recipient.conversationId === undefined || typeof recipient.conversationId === "string");
  }
}

// ---- Fixtures built through the SDK ----

let sequence = Math.floor(Math.random() * 10_000);
/** A phone number no two fixtures of one test file share: +1415555 followed by four digits. */
export function uniquePhoneNumber() {
  sequence = (sequence + 1) % 10_000;
  return `+1415555${String(sequence).padStart(4, "0")}`;
}

export async function createAgent(client, name) {
  const created = await client.conversationalAi.agents.create({
    name,
    conversationConfig: {
      agent: { firstMessage: "Hello {{first_name}}", language: "en", prompt: { prompt: "You are a test agent." } },
    },
    tags: ["conformance"],
  });
  assert.equal(typeof created.agentId, "string");
  return { agentId: created.agentId, name };
}

/**
 * A number on batchcall's `simulator` provider. The SDK's request type only knows twilio/exotel/sip_trunk and
 * refuses others before sending (JsonError), so the request is typed as sip_trunk and the provider is replaced
 * through the SDK's own `additionalBodyParameters`, which is merged into the body after validation.
 */
export async function createSimulatorNumber(client, { label = "sim", phoneNumber = uniquePhoneNumber(), agentId } = {}) {
  const created = await client.conversationalAi.phoneNumbers.create(
    { provider: "sip_trunk", phoneNumber, label },
    { additionalBodyParameters: { provider: "simulator", ...(agentId ? { agent_id: agentId } : {}) } },
  );
  assert.equal(typeof created.phoneNumberId, "string");
  return { phoneNumberId: created.phoneNumberId, phoneNumber, label };
}

/** Polls batchCalls.get until the batch reaches one of `statuses` (takes the client or its conversationalAi). */
export function waitForBatchStatus(client, batchId, statuses, options) {
  const ai = client.conversationalAi ?? client;
  return pollUntil(`batch ${batchId} to reach ${statuses.join("|")}`, async () => {
    const batch = await ai.batchCalls.get(batchId);
    return { done: statuses.includes(batch.status), value: batch };
  }, options);
}

/** Reads a ReadableStream<Uint8Array> (what batchCalls.export returns) into a string. */
export async function streamToText(stream) {
  return new Response(stream).text();
}
