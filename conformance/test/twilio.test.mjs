// Batches on a Twilio number, through the SDK, against the fake Twilio that conformance/run starts
// (lib/fake-twilio.mjs): the server's create requests land there, and the fake, playing Twilio, posts signed
// status callbacks to each call's StatusCallback URL as the recipient's number is scripted. What comes back
// through batchCalls.get and conversations.get must be what those callbacks said.
//
// The SDK strips keys it does not know from request bodies, so our extensions (the agent's media_stream_url, the
// number's cps) go through the SDK's own requestOptions.additionalBodyParameters; our extension endpoint
// GET /v1/convai/batch-calling/{id}/attempts (each dial with Twilio's raw status and SIP code) is read through
// the SDK's passthrough client.fetch, which sends the client's own key.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  baseUrl, newWorkspaceClient, lazy, uniquePhoneNumber, waitForBatchStatus, pollUntil,
  assertDetailedBatchShape, TERMINAL_RECIPIENT_STATUSES,
} from "../lib/sdk.mjs";
import { ACCOUNT_SID, AUTH_TOKEN, FakeTwilioControl, sign } from "../lib/fake-twilio.mjs";

const fakeUrl = process.env.FAKE_TWILIO_URL;
const skip = fakeUrl ? false : "FAKE_TWILIO_URL is not set: run the suite through conformance/run <jar>";
const fake = fakeUrl ? new FakeTwilioControl(fakeUrl) : null;
const MEDIA_STREAM_URL = "wss://agent.conformance.test/media";

const client = lazy(() => newWorkspaceClient("twilio"));
const ai = async () => (await client()).conversationalAi;

const agent = lazy(async () => {
  const c = await ai();
  const created = await c.agents.create(
    {
      name: "Twilio agent",
      conversationConfig: { agent: { firstMessage: "Hello", language: "en", prompt: { prompt: "You are a test agent." } } },
    },
    { additionalBodyParameters: { media_stream_url: MEDIA_STREAM_URL } },
  );
  assert.equal(typeof created.agentId, "string");
  const got = await c.agents.get(created.agentId);
  assert.equal(got.media_stream_url, MEDIA_STREAM_URL, "media_stream_url passed through additionalBodyParameters is kept");
  return { agentId: created.agentId };
});

const number = lazy(async () => {
  const c = await ai();
  const phoneNumber = uniquePhoneNumber();
  // cps 20: Twilio's default of 1 call a second would only make the batch slower here.
  const created = await c.phoneNumbers.create(
    { provider: "twilio", phoneNumber, label: "Twilio caller", sid: ACCOUNT_SID, token: AUTH_TOKEN },
    { additionalBodyParameters: { cps: 20 } },
  );
  assert.equal(typeof created.phoneNumberId, "string");
  return { phoneNumberId: created.phoneNumberId, phoneNumber };
});

/** Scripts the fake ({To: script}) and submits a batch with one recipient per number (id rcp-<last 4 digits>). */
async function submit(callName, scripts) {
  await fake.script(scripts);
  const c = await ai();
  const created = await c.batchCalls.create({
    callName,
    agentId: (await agent()).agentId,
    agentPhoneNumberId: (await number()).phoneNumberId,
    recipients: Object.keys(scripts).map((phoneNumber) => ({ id: `rcp-${phoneNumber.slice(-4)}`, phoneNumber })),
  });
  assert.equal(typeof created.id, "string");
  return created.id;
}

/** Our extension: every attempt of the batch (provider_call_id, phase, outcome, provider_status, sip_code). */
async function attempts(batchId) {
  const response = await (await client()).fetch(`/v1/convai/batch-calling/${batchId}/attempts`, { method: "GET" });
  const text = await response.text();
  assert.equal(response.status, 200, `attempts answered ${response.status}: ${text}`);
  return JSON.parse(text).attempts;
}

/** Waits until the batch's one attempt follows call `sid` and is ringing (the fake's ringing callback came). */
function waitForRinging(batchId, sid) {
  return pollUntil(`the attempt of ${batchId} to ring as call ${sid}`, async () => {
    const [attempt] = await attempts(batchId);
    return { done: attempt?.provider_call_id === sid && attempt.phase === "ringing", value: attempt };
  }, { timeout: 30_000 });
}

const createsOf = (log) => log.requests.filter((r) => r.method === "POST" && r.path === `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`);
const field = (request, name) => request.form[name]?.[0];

/** The one create request the fake got for `to`, once it has come; fails on a second one. */
async function createFor(to) {
  return pollUntil(`a create request to ${to}`, async () => {
    const creates = createsOf(await fake.log()).filter((r) => field(r, "To") === to);
    assert.ok(creates.length <= 1, `${to} received ${creates.length} create requests`);
    return { done: creates.length === 1, value: creates[0] };
  }, { timeout: 30_000 });
}

test("every scripted Twilio outcome reaches its final recipient status, one create request per number", { skip }, async () => {
  const c = await ai();
  const caller = await number();
  const expected = {
    completed: { status: "completed", lastOutcome: "completed", providerStatus: "completed", sipCode: 200, callbacks: ["initiated", "ringing", "in-progress", "completed"] },
    busy: { status: "failed", lastOutcome: "busy", providerStatus: "busy", sipCode: 486, callbacks: ["initiated", "ringing", "busy"] },
    "no-answer": { status: "failed", lastOutcome: "no_answer", providerStatus: "no-answer", sipCode: 487, callbacks: ["initiated", "ringing", "no-answer"] },
    failed: { status: "failed", lastOutcome: "failed", providerStatus: "failed", sipCode: 404, callbacks: ["initiated", "ringing", "failed"] },
    machine: { status: "voicemail", lastOutcome: "voicemail", providerStatus: "completed", sipCode: 200, callbacks: ["initiated", "ringing", "in-progress", "completed"] },
  };
  const scripts = Object.fromEntries(Object.keys(expected).map((script) => [uniquePhoneNumber(), script]));
  const batchId = await submit("Twilio outcomes", scripts);

  const batch = await waitForBatchStatus(c, batchId, ["completed", "failed", "cancelled"]);
  assertDetailedBatchShape(batch);
  assert.equal(batch.status, "completed");
  assert.equal(batch.phoneProvider, "twilio");
  assert.equal(batch.totalCallsFinished, 5);
  assert.equal(batch.recipients.length, 5);

  const log = await fake.log();
  const creates = createsOf(log);
  const attemptOf = new Map((await attempts(batchId)).map((a) => [a.recipient_id, a]));
  for (const recipient of batch.recipients) {
    const to = recipient.phoneNumber;
    const script = scripts[to];
    assert.ok(script, `recipient ${recipient.id} has an unknown number ${to}`);
    assert.equal(recipient.status, expected[script].status, `${script}: recipient status`);
    assert.equal(recipient.last_outcome, expected[script].lastOutcome, `${script}: last_outcome`);
    assert.equal(recipient.attempt_count, 1, `${script}: dialed once`);

    const mine = creates.filter((r) => field(r, "To") === to);
    assert.equal(mine.length, 1, `${to} (${script}) received ${mine.length} create requests`);
    const create = mine[0];
    assert.ok(create.authorized, "the create request carries basic auth sid:token");
    assert.equal(create.status, 201);
    assert.equal(field(create, "From"), caller.phoneNumber);
    assert.deepEqual(create.form.StatusCallbackEvent, ["initiated", "ringing", "answered", "completed"]);
    assert.ok(
      field(create, "StatusCallback").startsWith(`${baseUrl}/callbacks/twilio/`),
      `StatusCallback ${field(create, "StatusCallback")} is under BATCHCALL_PUBLIC_URL`,
    );
    const twiml = field(create, "Twiml");
    assert.ok(twiml.includes(`<Stream url="${MEDIA_STREAM_URL}">`), `TwiML connects the agent's stream: ${twiml}`);
    assert.ok(twiml.includes(`<Parameter name="batch_id" value="${batchId}"/>`), twiml);
    assert.ok(twiml.includes(`<Parameter name="recipient_id" value="${recipient.id}"/>`), twiml);

    const sent = log.callbacks.filter((cb) => cb.sid === create.sid);
    assert.deepEqual(sent.map((cb) => cb.params.CallStatus), expected[script].callbacks, `${script}: callbacks sent`);
    assert.deepEqual(sent.map((cb) => cb.params.SequenceNumber), sent.map((_, i) => String(i)));
    for (const cb of sent) assert.equal(cb.status, 204, `${script}: signed ${cb.params.CallStatus} callback answered ${cb.status} ${cb.error ?? ""}`);

    const attempt = attemptOf.get(recipient.id);
    assert.equal(attempt?.provider, "twilio", `${script}: attempt ${JSON.stringify(attempt)}`);
    assert.equal(attempt.provider_call_id, create.sid, `${script}: the attempt follows the call Twilio created`);
    assert.equal(attempt.phase, "ended");
    assert.equal(attempt.provider_status, expected[script].providerStatus, `${script}: Twilio's raw CallStatus is kept`);
    assert.equal(attempt.sip_code, expected[script].sipCode, `${script}: SipResponseCode is kept`);
  }

  const answered = batch.recipients.find((r) => scripts[r.phoneNumber] === "completed");
  assert.equal(typeof answered.conversationId, "string");
  const conversation = await c.conversations.get(answered.conversationId);
  assert.equal(conversation.conversationId, answered.conversationId);
  assert.equal(conversation.agentId, (await agent()).agentId);
  assert.equal(conversation.status, "done");
  const phoneCall = conversation.metadata.phoneCall;
  assert.equal(phoneCall?.type, "twilio", `metadata.phone_call: ${JSON.stringify(phoneCall)}`);
  assert.equal(phoneCall.callSid, creates.find((r) => field(r, "To") === answered.phoneNumber).sid);
  assert.equal(phoneCall.externalNumber, answered.phoneNumber);
  assert.equal(phoneCall.agentNumber, caller.phoneNumber);
  assert.equal(phoneCall.phoneNumberId, caller.phoneNumberId);
  assert.equal(conversation.metadata.batchCall?.batchCallId, batchId);
  assert.equal(phoneCall.callResult, "answered");

  // The agent's side: the TwiML hands the agent its token and URL; its report must still parse through the SDK.
  const twiml = field(creates.find((r) => field(r, "To") === answered.phoneNumber), "Twiml");
  const param = (name) => twiml.match(new RegExp(`<Parameter name="${name}" value="([^"]*)"/>`))?.[1];
  const agentUrl = param("batchcall_url");
  assert.equal(agentUrl, `${baseUrl}/agent/v1/conversations/${answered.conversationId}`);
  const auth = { authorization: `Bearer ${param("batchcall_token")}`, "content-type": "application/json" };
  const read = await fetch(agentUrl, { headers: auth });
  assert.equal(read.status, 200, await read.clone().text());
  assert.equal((await read.json()).batch_call_recipient_id, answered.id);
  const reported = await fetch(`${agentUrl}/report`, {
    method: "POST", headers: auth, body: JSON.stringify({
      transcript: [{ role: "agent", message: "Hello", time_in_call_secs: 0 }, { role: "user", message: "Hi", time_in_call_secs: 1 }],
      analysis: {
        call_successful: "failure", transcript_summary: "Not interested.",
        data_collection_results: { plan: { value: "none" } }, evaluation_criteria_results: { polite: { result: "success" } },
      },
      termination_reason: "end_call tool was called.",
    }),
  });
  assert.equal(reported.status, 200, await reported.clone().text());
  const after = await c.conversations.get(answered.conversationId);
  assert.equal(after.analysis?.callSuccessful, "failure");
  assert.equal(after.analysis?.transcriptSummary, "Not interested.");
  assert.equal(after.analysis?.dataCollectionResults?.plan?.dataCollectionId, "plan");
  assert.equal(after.analysis?.evaluationCriteriaResults?.polite?.result, "success");
  assert.equal(after.transcript.length, 2);
  assert.equal(after.transcript[1].role, "user");
  assert.equal(after.metadata.terminationReason, "end_call tool was called.");
});

test("with twilioMachineDetection, a machine verdict is its own callback and the call ends a voicemail", { skip }, async () => {
  const c = await ai();
  const to = uniquePhoneNumber();
  await fake.script({ [to]: "amd-machine" });
  // Its own number: the last test counts this file's creates from the shared one.
  const phoneNumber = uniquePhoneNumber();
  const caller = await c.phoneNumbers.create(
    { provider: "twilio", phoneNumber, label: "AMD caller", sid: ACCOUNT_SID, token: AUTH_TOKEN },
    { additionalBodyParameters: { cps: 20 } },
  );
  const created = await c.batchCalls.create({
    callName: "AMD", agentId: (await agent()).agentId, agentPhoneNumberId: caller.phoneNumberId,
    recipients: [{ id: "rcp-amd", phoneNumber: to }],
    telephonyCallConfig: { twilioMachineDetection: { mode: "enable" } },
  });
  const create = await createFor(to);
  assert.equal(field(create, "AsyncAmd"), "true");
  assert.equal(field(create, "MachineDetection"), "Enable");

  const batch = await waitForBatchStatus(c, created.id, ["completed", "failed", "cancelled"]);
  assert.equal(batch.status, "completed");
  assert.equal(batch.telephonyCallConfig?.twilioMachineDetection?.mode, "enable");
  const [recipient] = batch.recipients;
  assert.equal(recipient.status, "voicemail");
  const [attempt] = await attempts(created.id);
  assert.equal(attempt.answered_by, "machine_end_beep");
  assert.equal(attempt.outcome, "voicemail");
  assert.equal(attempt.provider_status, "completed");
  const sent = (await fake.log()).callbacks.filter((cb) => cb.sid === create.sid);
  assert.deepEqual(sent.map((cb) => cb.params.CallStatus ?? `amd:${cb.params.AnsweredBy}`),
    ["initiated", "ringing", "in-progress", "amd:machine_end_beep", "completed"]);
  for (const cb of sent) assert.equal(cb.status, 204, `callback answered ${cb.status} ${cb.error ?? ""}`);
});

test("an unsigned or wrongly signed callback is refused with 403 and changes nothing", { skip }, async () => {
  const c = await ai();
  const to = uniquePhoneNumber();
  const batchId = await submit("Twilio signatures", { [to]: "hold" });
  const create = await createFor(to);
  await waitForRinging(batchId, create.sid);

  const url = field(create, "StatusCallback");
  const busy = { AccountSid: ACCOUNT_SID, CallSid: create.sid, CallStatus: "busy", SipResponseCode: "486", To: to, SequenceNumber: "5" };
  const post = async (params, signature, target = url) => {
    const headers = { "content-type": "application/x-www-form-urlencoded" };
    if (signature !== undefined) headers["x-twilio-signature"] = signature;
    const response = await fetch(target, { method: "POST", headers, body: new URLSearchParams(params).toString() });
    await response.arrayBuffer();
    return response.status;
  };
  assert.equal(await post(busy), 403, "no X-Twilio-Signature");
  assert.equal(await post(busy, sign(url, busy, "another-accounts-auth-token")), 403, "signed with another token");
  assert.equal(await post(busy, sign(url, { ...busy, CallStatus: "completed" }, AUTH_TOKEN)), 403, "signature over other parameters");
  const forged = url.replace(/\/[^/]+$/, "/not-the-token");
  assert.equal(await post(busy, sign(forged, busy, AUTH_TOKEN), forged), 403, "a wrong URL token, correctly signed");

  const [attempt] = await attempts(batchId);
  assert.equal(attempt.phase, "ringing", `after refused callbacks: ${JSON.stringify(attempt)}`);
  assert.equal(attempt.outcome ?? null, null);
  assert.equal(attempt.provider_status ?? null, null);
  const during = await c.batchCalls.get(batchId);
  assert.equal(during.status, "in_progress");
  const [recipient] = during.recipients;
  assert.ok(!TERMINAL_RECIPIENT_STATUSES.includes(recipient.status), `the refused busy callback ended the recipient: ${recipient.status}`);
  assert.notEqual(recipient.last_outcome, "busy");

  await fake.end(create.sid, "completed");
  const batch = await waitForBatchStatus(c, batchId, ["completed", "failed", "cancelled"]);
  assert.equal(batch.status, "completed");
  assert.equal(batch.recipients[0].status, "completed", "the call ends as the signed callbacks say, not as the refused one");
  assert.equal(batch.recipients[0].last_outcome, "completed");
  const [ended] = await attempts(batchId);
  assert.equal(ended.provider_status, "completed");
  assert.equal(ended.sip_code, 200);
});

test("batchCalls.cancel cancels a ringing call at Twilio and the recipient ends cancelled", { skip }, async () => {
  const c = await ai();
  const to = uniquePhoneNumber();
  const batchId = await submit("Twilio cancel", { [to]: "hold" });
  const create = await createFor(to);
  await waitForRinging(batchId, create.sid);

  const cancelled = await c.batchCalls.cancel(batchId);
  assert.equal(cancelled.status, "cancelled");
  const callPath = `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${create.sid}.json`;
  const update = await pollUntil("a cancel request for the ringing call", async () => {
    const requests = (await fake.log()).requests.filter((r) => r.method === "POST" && r.path === callPath);
    assert.ok(requests.length <= 1, `${requests.length} update requests for one call`);
    return { done: requests.length === 1, value: requests[0] };
  }, { timeout: 30_000 });
  assert.equal(field(update, "Status"), "canceled");
  assert.ok(update.authorized);
  assert.equal(update.status, 200);

  const attempt = await pollUntil("the attempt to end on Twilio's canceled callback", async () => {
    const [a] = await attempts(batchId);
    return { done: a.phase === "ended", value: a };
  }, { timeout: 30_000 });
  assert.equal(attempt.outcome, "cancelled");
  const final = (await fake.log()).callbacks.filter((cb) => cb.sid === create.sid).at(-1);
  assert.equal(final.params.CallStatus, "canceled");
  assert.equal(final.status, 204);
  const batch = await c.batchCalls.get(batchId);
  assert.equal(batch.status, "cancelled");
  assert.equal(batch.recipients[0].status, "cancelled");
  assert.equal(attempt.provider_status, "canceled");
});

test("a create whose answer hides the call (503) is looked up at Twilio and followed, never dialed again", { skip }, async () => {
  const c = await ai();
  const caller = await number();
  const to = uniquePhoneNumber();
  const batchId = await submit("Twilio lost answer", { [to]: { script: "completed", answer: 503 } });

  const batch = await waitForBatchStatus(c, batchId, ["completed", "failed", "cancelled"]);
  assert.equal(batch.status, "completed");
  assert.equal(batch.recipients[0].status, "completed");
  assert.equal(batch.recipients[0].attempt_count, 1);

  const log = await fake.log();
  const creates = createsOf(log).filter((r) => field(r, "To") === to);
  assert.equal(creates.length, 1, "a create answered 503 is not sent again");
  assert.equal(creates[0].status, 503);
  const lookUps = log.requests.filter((r) => r.method === "GET" && r.path === `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`
    && r.query.To === to);
  assert.equal(lookUps.length, 1, `look-ups of calls to ${to}: ${JSON.stringify(lookUps)}`);
  assert.equal(lookUps[0].query.From, caller.phoneNumber);
  assert.ok(lookUps[0].authorized);
  const [attempt] = await attempts(batchId);
  assert.equal(attempt.provider_call_id, creates[0].sid, "the attempt follows the call the look-up found");
  assert.equal(attempt.provider_status, "completed");
});

test("over the whole file, no number received two create requests and every signed callback was accepted", { skip }, async () => {
  const log = await fake.log();
  // This file's calls only: other files (single calls) share the fake Twilio and run at the same time.
  const from = (await number()).phoneNumber;
  const creates = createsOf(log).filter((r) => field(r, "From") === from);
  assert.equal(creates.length, 8, "5 outcomes, the signature and cancel calls, the lost answer: one create each");
  const perNumber = new Map();
  for (const create of creates) perNumber.set(field(create, "To"), (perNumber.get(field(create, "To")) ?? 0) + 1);
  assert.deepEqual([...perNumber].filter(([, count]) => count > 1), [], "numbers with more than one create request");
  assert.deepEqual(log.requests.filter((r) => !r.authorized), [], "requests without the account's basic auth");
  assert.deepEqual(log.callbacks.filter((cb) => cb.status !== 204), [], "signed callbacks not answered 204");
});
