// conversationalAi.batchCalls: create (minimal and every option), get, list with paging, cancel, export,
// delete, and the errors a client meets. Batches here are scheduled an hour ahead unless the test needs them to
// run, so that their state is known when the test reads it.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  newWorkspaceClient, lazy, expectHttpError, assertDetailStatus, assertValidationError, assertBatchShape,
  assertDetailedBatchShape, withoutUndefined, nowUnix, createAgent, createSimulatorNumber,
  uniquePhoneNumber, streamToText, ElevenLabs,
} from "../lib/sdk.mjs";

const client = lazy(() => newWorkspaceClient("batch-calls"));
const ai = async () => (await client()).conversationalAi;
const agent = lazy(async () => createAgent(await client(), "Batch agent"));
/** The simulator number, assigned to the agent, so that a batch without agent_phone_number_id can use it. */
const number = lazy(async () => createSimulatorNumber(await client(), { label: "batch sim", agentId: (await agent()).agentId }));

const inAnHour = () => nowUnix() + 3600;

// The recipients of reference §4.1's all-options body, adapted: ids, dynamic variables of every JSON type,
// overrides, user id and source info. The sim_* variables keep the batch harmless if it were ever dispatched.
const fullRecipients = () => [
  {
    id: "my-rcp-1",
    phoneNumber: uniquePhoneNumber(),
    conversationInitiationClientData: {
      dynamicVariables: {
        first_name: "Ann",
        camelKey: 3,
        balance: 12.5,
        vip: true,
        nothing: null,
        tags: ["a", "b"],
        address: { city: "Berlin", zip: "10115" },
        sim_outcome: "completed",
        sim_talk_ms: 50,
      },
      userId: "u1",
      sourceInfo: { source: "node_js_sdk", version: "x" },
      conversationConfigOverride: {
        agent: { firstMessage: "Hi {{first_name}}", language: "en" },
        tts: { voiceId: "voice_1" },
      },
    },
  },
  {
    id: "my-rcp-2",
    phoneNumber: uniquePhoneNumber(),
    conversationInitiationClientData: { dynamicVariables: { first_name: "Bob", sim_outcome: "completed" } },
  },
];

const fullRequest = async (callName, recipients) => ({
  callName,
  agentId: (await agent()).agentId,
  agentPhoneNumberId: (await number()).phoneNumberId,
  scheduledTimeUnix: inAnHour(),
  timezone: "Europe/Berlin",
  environment: "production",
  targetConcurrencyLimit: 5,
  telephonyCallConfig: { ringingTimeoutSecs: 30, twilioCallRecordingEnabled: true },
  recipients,
});

test("batchCalls.create with the minimal body applies the defaults", async () => {
  const { agentId, name } = await agent();
  const { phoneNumberId } = await number();
  const before = nowUnix();
  const batch = await (await ai()).batchCalls.create({
    callName: "Minimal batch",
    agentId,
    recipients: [{ phoneNumber: uniquePhoneNumber() }],
  });
  assertBatchShape(batch);
  assert.equal(batch.name, "Minimal batch");
  assert.equal(batch.agentId, agentId);
  assert.equal(batch.agentName, name);
  assert.equal(batch.phoneNumberId, phoneNumberId, "the agent's assigned number is used");
  assert.equal(batch.retryCount, 0);
  assert.ok(["pending", "in_progress"].includes(batch.status), batch.status);
  assert.deepEqual(withoutUndefined(batch.telephonyCallConfig), { ringingTimeoutSecs: 60, twilioCallRecordingEnabled: false });
  assert.ok(batch.createdAtUnix >= before - 5 && batch.createdAtUnix <= nowUnix() + 5);
  assert.ok(Math.abs(batch.scheduledTimeUnix - batch.createdAtUnix) <= 5, "no schedule means now");
  assert.equal(batch.targetConcurrencyLimit, undefined);
  assert.equal(batch.timezone, undefined);
});

test("batchCalls.create with every option echoes them, and get returns every recipient verbatim", async () => {
  const c = await ai();
  const recipients = fullRecipients();
  const request = await fullRequest("Full batch", recipients);
  const created = await c.batchCalls.create(request);
  assertBatchShape(created);
  assert.equal(created.name, "Full batch");
  assert.equal(created.agentId, request.agentId);
  assert.equal(created.agentName, (await agent()).name);
  assert.equal(created.phoneNumberId, request.agentPhoneNumberId);
  assert.equal(created.scheduledTimeUnix, request.scheduledTimeUnix);
  assert.equal(created.timezone, "Europe/Berlin");
  assert.equal(created.environment, "production");
  assert.equal(created.targetConcurrencyLimit, 5);
  assert.deepEqual(withoutUndefined(created.telephonyCallConfig), { ringingTimeoutSecs: 30, twilioCallRecordingEnabled: true });
  assert.equal(created.status, "pending");
  assert.equal(created.totalCallsScheduled, 2);
  assert.equal(created.totalCallsDispatched, 0);
  assert.equal(created.totalCallsFinished, 0);
  assert.equal(created.retryCount, 0);

  const got = await c.batchCalls.get(created.id);
  assertDetailedBatchShape(got);
  assert.equal(got.id, created.id);
  assert.equal(got.status, "pending");
  assert.equal(got.scheduledTimeUnix, request.scheduledTimeUnix);
  assert.equal(got.recipients.length, 2);
  const byId = new Map(got.recipients.map((r) => [r.id, r]));
  assert.deepEqual([...byId.keys()].sort(), ["my-rcp-1", "my-rcp-2"], "client-supplied recipient ids are kept");
  for (const sent of recipients) {
    const recipient = byId.get(sent.id);
    assert.equal(recipient.phoneNumber, sent.phoneNumber);
    assert.equal(recipient.status, "pending");
    assert.equal(recipient.conversationId, undefined, "no conversation before the call");
    assert.deepEqual(
      withoutUndefined(recipient.conversationInitiationClientData),
      sent.conversationInitiationClientData,
      "conversation_initiation_client_data is echoed verbatim",
    );
  }
  // JSON null inside dynamic_variables is a value, kept as null (not dropped like an absent optional field).
  assert.ok(Object.hasOwn(byId.get("my-rcp-1").conversationInitiationClientData.dynamicVariables, "nothing"));
});

test("batchCalls.list pages with limit and lastDoc and filters by agentId", async () => {
  const c = await ai();
  const other = await createAgent(await client(), "Paging agent");
  const otherNumber = await createSimulatorNumber(await client(), { label: "paging sim" });
  const created = [];
  for (const i of [1, 2, 3]) {
    const batch = await c.batchCalls.create({
      callName: `Paging ${i}`,
      agentId: other.agentId,
      agentPhoneNumberId: otherNumber.phoneNumberId,
      scheduledTimeUnix: inAnHour(),
      recipients: [{ phoneNumber: uniquePhoneNumber() }],
    });
    created.push(batch.id);
  }
  const first = await c.batchCalls.list({ limit: 2, agentId: other.agentId });
  assert.equal(first.batchCalls.length, 2);
  assert.equal(first.hasMore, true);
  assert.equal(typeof first.nextDoc, "string");
  first.batchCalls.forEach(assertBatchShape);
  const second = await c.batchCalls.list({ limit: 2, agentId: other.agentId, lastDoc: first.nextDoc });
  assert.equal(second.batchCalls.length, 1);
  assert.equal(second.hasMore, false);
  const seen = [...first.batchCalls, ...second.batchCalls];
  assert.ok(seen.every((b) => b.agentId === other.agentId && b.agentName === "Paging agent"));
  assert.deepEqual(seen.map((b) => b.id).sort(), [...created].sort(), "each batch exactly once");

  const everything = await c.batchCalls.list();
  const allIds = everything.batchCalls.map((b) => b.id);
  assert.ok(created.every((id) => allIds.includes(id)), "unfiltered list has the paging batches");
  assert.ok(everything.batchCalls.some((b) => b.agentId !== other.agentId), "unfiltered list has other agents' batches");
});

test("batchCalls.cancel of a scheduled batch cancels it and every recipient", async () => {
  const c = await ai();
  const created = await c.batchCalls.create(await fullRequest("To cancel", fullRecipients()));
  const cancelled = await c.batchCalls.cancel(created.id);
  assertBatchShape(cancelled);
  assert.equal(cancelled.id, created.id);
  assert.equal(cancelled.status, "cancelled");
  const got = await c.batchCalls.get(created.id);
  assert.equal(got.status, "cancelled");
  assert.equal(got.recipients.length, 2);
  assert.deepEqual(got.recipients.map((r) => r.status), ["cancelled", "cancelled"]);
  assert.equal(got.totalCallsDispatched, 0);
});

test("batchCalls.export of a terminal batch is CSV with a header and one row per recipient", async () => {
  const c = await ai();
  const recipients = fullRecipients();
  const created = await c.batchCalls.create(await fullRequest("To export", recipients));
  await c.batchCalls.cancel(created.id);
  const csv = await streamToText(await c.batchCalls.export(created.id));
  const lines = csv.split(/\r?\n/).filter((line) => line.length > 0);
  assert.equal(lines.length, 1 + recipients.length, `header plus ${recipients.length} rows expected:\n${csv}`);
  assert.match(lines[0], /phone_number/, "the header names the phone number column");
  for (const sent of recipients) {
    const row = lines.find((line) => line.includes(sent.phoneNumber));
    assert.ok(row, `no row for ${sent.phoneNumber}:\n${csv}`);
    assert.match(row, /cancelled/);
  }
  const preview = await streamToText(await c.batchCalls.export(created.id, { limit: 1 }));
  assert.equal(preview.split(/\r?\n/).filter((line) => line.length > 0).length, 2, `limit 1: header plus one row:\n${preview}`);
});

test("batchCalls.delete removes the batch: get is then 404 with statusCode 404", async () => {
  const c = await ai();
  const created = await c.batchCalls.create(await fullRequest("To delete", fullRecipients()));
  assert.equal((await c.batchCalls.get(created.id)).id, created.id);
  await c.batchCalls.cancel(created.id);
  await c.batchCalls.delete(created.id);
  const error = await expectHttpError(c.batchCalls.get(created.id), 404);
  assertDetailStatus(error);
  const ids = (await c.batchCalls.list()).batchCalls.map((b) => b.id);
  assert.ok(!ids.includes(created.id), "a deleted batch is not listed");
});

test("another workspace's key cannot see the batch (404)", async () => {
  const c = await ai();
  const created = await c.batchCalls.create(await fullRequest("Private", fullRecipients()));
  const stranger = (await newWorkspaceClient("batch-calls-stranger")).conversationalAi;
  assertDetailStatus(await expectHttpError(stranger.batchCalls.get(created.id), 404));
  assertDetailStatus(await expectHttpError(stranger.batchCalls.cancel(created.id), 404));
  assert.equal((await c.batchCalls.get(created.id)).status, "pending", "the owner still sees it untouched");
});

test("an invalid recipient phone number is 422 with loc [body, recipients, 1, phone_number]", async () => {
  const { agentId } = await agent();
  const error = await expectHttpError(
    (await ai()).batchCalls.create({
      callName: "Invalid",
      agentId,
      recipients: [{ phoneNumber: uniquePhoneNumber() }, { phoneNumber: "12-not-a-number" }],
    }),
    422,
  );
  assertValidationError(error, ["body", "recipients", 1, "phone_number"]);
});

test("target_concurrency_limit 0 and ringing_timeout_secs 0 are 422, each problem listed", async () => {
  const { agentId } = await agent();
  const error = await expectHttpError(
    (await ai()).batchCalls.create({
      callName: "Invalid limits",
      agentId,
      targetConcurrencyLimit: 0,
      telephonyCallConfig: { ringingTimeoutSecs: 0 },
      recipients: [{ phoneNumber: uniquePhoneNumber() }],
    }),
    422,
  );
  assert.ok(error instanceof ElevenLabs.UnprocessableEntityError);
  assertValidationError(error, ["body", "target_concurrency_limit"]);
  assertValidationError(error, ["body", "telephony_call_config", "ringing_timeout_secs"]);
});

test("an unknown agent is 404 on batchCalls.create", async () => {
  const { phoneNumberId } = await number();
  const error = await expectHttpError(
    (await ai()).batchCalls.create({
      callName: "Nobody",
      agentId: "agent_doesnotexist00000000000000",
      agentPhoneNumberId: phoneNumberId,
      recipients: [{ phoneNumber: uniquePhoneNumber() }],
    }),
    404,
  );
  assertDetailStatus(error);
});

test("get, cancel, retry, export and delete of an unknown batch are 404", async () => {
  const c = await ai();
  const unknown = "btcal_doesnotexist0000000000000";
  for (const call of [
    () => c.batchCalls.get(unknown),
    () => c.batchCalls.cancel(unknown),
    () => c.batchCalls.retry(unknown),
    () => c.batchCalls.export(unknown),
    () => c.batchCalls.delete(unknown),
  ]) {
    assertDetailStatus(await expectHttpError(call(), 404));
  }
  // Make sure the workspace is usable, so that the 404s above are about the id and not the route.
  assert.ok(Array.isArray((await c.batchCalls.list()).batchCalls));
});
