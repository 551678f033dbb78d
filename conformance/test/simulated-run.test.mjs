// Batches that really run: the dispatcher "calls" recipients on the simulator provider, whose per-recipient
// dynamic variables decide each call (sim_outcome: completed|busy|no_answer|voicemail|failed; sim_ring_ms and
// sim_talk_ms its durations). Polled through batchCalls.get with a bound, then read through conversations.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  newWorkspaceClient, lazy, assertDetailedBatchShape, assertInteger, waitForBatchStatus,
  createAgent, createSimulatorNumber, uniquePhoneNumber, pollUntil, TERMINAL_RECIPIENT_STATUSES,
} from "../lib/sdk.mjs";

const client = lazy(() => newWorkspaceClient("simulated-run"));
const ai = async () => (await client()).conversationalAi;
const agent = lazy(async () => createAgent(await client(), "Simulated agent"));
const number = lazy(async () => createSimulatorNumber(await client(), { label: "run sim" }));

const simulated = (id, outcome, extra = {}) => ({
  id,
  phoneNumber: uniquePhoneNumber(),
  conversationInitiationClientData: {
    dynamicVariables: { first_name: id, sim_outcome: outcome, sim_ring_ms: 20, sim_talk_ms: 50, ...extra },
  },
});

const FINISHED = ["completed", "failed"];

test("a simulated batch runs to completed and each recipient's conversation can be read", async () => {
  const c = await ai();
  const { agentId, name } = await agent();
  const recipients = ["rcp-a", "rcp-b", "rcp-c"].map((id) => simulated(id, "completed"));
  const created = await c.batchCalls.create({
    callName: "Simulated run",
    agentId,
    agentPhoneNumberId: (await number()).phoneNumberId,
    targetConcurrencyLimit: 2,
    recipients,
  });
  const batch = await waitForBatchStatus(c, created.id, FINISHED);
  assertDetailedBatchShape(batch);
  assert.equal(batch.status, "completed");
  assert.equal(batch.totalCallsFinished, recipients.length);
  assert.equal(batch.totalCallsDispatched, recipients.length);
  assert.equal(batch.recipients.length, recipients.length);

  const conversationIds = [];
  for (const recipient of batch.recipients) {
    assert.equal(recipient.status, "completed", `recipient ${recipient.id}`);
    assert.equal(typeof recipient.conversationId, "string", `recipient ${recipient.id} has no conversation`);
    assert.ok(recipient.updatedAtUnix >= recipient.createdAtUnix);
    conversationIds.push(recipient.conversationId);

    const conversation = await c.conversations.get(recipient.conversationId);
    assert.equal(conversation.conversationId, recipient.conversationId);
    assert.equal(conversation.agentId, agentId);
    assert.equal(conversation.status, "done");
    assert.equal(typeof conversation.hasAudio, "boolean");
    assert.ok(Array.isArray(conversation.transcript));
    assertInteger(conversation.metadata.startTimeUnixSecs, "metadata.startTimeUnixSecs");
    assert.equal(typeof conversation.metadata.callDurationSecs, "number");
    assert.equal(conversation.metadata.batchCall?.batchCallId, created.id);
    assert.equal(conversation.metadata.batchCall?.batchCallRecipientId, recipient.id);
    assert.equal(
      conversation.conversationInitiationClientData?.dynamicVariables?.first_name,
      recipient.id,
      "the recipient's dynamic variables reach the conversation",
    );
  }
  assert.equal(new Set(conversationIds).size, recipients.length, "one conversation per recipient");

  const listed = [];
  let cursor;
  for (let page = 0; page < 50; page++) {
    const response = await c.conversations.list({ agentId, pageSize: 2, cursor });
    assert.ok(response.conversations.length <= 2);
    for (const summary of response.conversations) {
      assert.equal(summary.agentId, agentId);
      assertInteger(summary.startTimeUnixSecs, "startTimeUnixSecs");
      assert.equal(typeof summary.callDurationSecs, "number");
      assert.equal(typeof summary.messageCount, "number");
      listed.push(summary.conversationId);
    }
    if (!response.hasMore) break;
    cursor = response.nextCursor;
  }
  assert.deepEqual([...listed].sort(), [...conversationIds].sort(), "conversations.list has exactly the batch's calls");
  assert.equal(name, batch.agentName);
});

test("retry after a finished batch with busy recipients dials only those again and counts the retry", async () => {
  const c = await ai();
  const { agentId } = await agent();
  const created = await c.batchCalls.create({
    callName: "Busy then retry",
    agentId,
    agentPhoneNumberId: (await number()).phoneNumberId,
    recipients: [
      simulated("answers", "completed"),
      // The long ring keeps the busy recipient visibly back in the queue right after the retry.
      simulated("busy-1", "busy", { sim_ring_ms: 1500 }),
      simulated("busy-2", "busy", { sim_ring_ms: 1500 }),
    ],
  });
  const first = await waitForBatchStatus(c, created.id, FINISHED);
  assert.equal(first.totalCallsFinished, 3);
  assert.equal(first.retryCount, 0);
  const firstById = new Map(first.recipients.map((r) => [r.id, r]));
  assert.equal(firstById.get("answers").status, "completed");
  for (const id of ["busy-1", "busy-2"]) {
    const recipient = firstById.get(id);
    assert.equal(recipient.status, "failed", `a busy call ends the recipient as failed: ${id}`);
    assert.equal(recipient.last_outcome, "busy");
    assertInteger(recipient.attempt_count, `${id} attempt_count`);
    assert.ok(recipient.attempt_count >= 1);
  }

  const retried = await c.batchCalls.retry(created.id);
  assert.equal(retried.id, created.id);
  assert.equal(retried.retryCount, 1);
  assert.ok(["pending", "in_progress"].includes(retried.status), `after retry: ${retried.status}`);
  const during = await c.batchCalls.get(created.id);
  for (const recipient of during.recipients.filter((r) => r.id.startsWith("busy"))) {
    assert.ok(!TERMINAL_RECIPIENT_STATUSES.includes(recipient.status), `${recipient.id} went back: ${recipient.status}`);
  }
  assert.equal(during.recipients.find((r) => r.id === "answers").status, "completed", "a completed recipient stays");

  const second = await waitForBatchStatus(c, created.id, FINISHED);
  assert.equal(second.retryCount, 1);
  const secondById = new Map(second.recipients.map((r) => [r.id, r]));
  for (const id of ["busy-1", "busy-2"]) {
    assert.ok(secondById.get(id).attempt_count > firstById.get(id).attempt_count, `${id} was dialed again`);
    assert.equal(secondById.get(id).status, "failed");
    assert.equal(secondById.get(id).last_outcome, "busy");
  }
  assert.equal(secondById.get("answers").attempt_count, firstById.get("answers").attempt_count, "the completed recipient was not dialed again");
  assert.equal(secondById.get("answers").conversationId, firstById.get("answers").conversationId);
});

test("voicemail, no_answer and failed outcomes end their recipients, and the batch finishes", async () => {
  const c = await ai();
  const created = await c.batchCalls.create({
    callName: "Mixed outcomes",
    agentId: (await agent()).agentId,
    agentPhoneNumberId: (await number()).phoneNumberId,
    recipients: [simulated("vm", "voicemail"), simulated("na", "no_answer"), simulated("fail", "failed")],
  });
  const batch = await waitForBatchStatus(c, created.id, FINISHED);
  assert.equal(batch.totalCallsFinished, 3);
  const byId = new Map(batch.recipients.map((r) => [r.id, r]));
  assert.equal(byId.get("vm").status, "voicemail");
  assert.equal(byId.get("vm").last_outcome, "voicemail");
  assert.equal(byId.get("na").status, "failed");
  assert.equal(byId.get("na").last_outcome, "no_answer");
  assert.equal(byId.get("fail").status, "failed");
  assert.equal(byId.get("fail").last_outcome, "failed");
});

test("cancel of a running batch stops it: nothing stays pending and the batch is cancelled", async () => {
  const c = await ai();
  const recipients = Array.from({ length: 6 }, (_, i) => simulated(`slow-${i}`, "completed", { sim_talk_ms: 3000 }));
  const created = await c.batchCalls.create({
    callName: "Cancel while running",
    agentId: (await agent()).agentId,
    agentPhoneNumberId: (await number()).phoneNumberId,
    targetConcurrencyLimit: 1,
    recipients,
  });
  await pollUntil("the first call to start", async () => {
    const batch = await c.batchCalls.get(created.id);
    return { done: batch.recipients.some((r) => r.status !== "pending"), value: batch.recipients.map((r) => r.status) };
  });
  const cancelled = await c.batchCalls.cancel(created.id);
  assert.equal(cancelled.status, "cancelled");
  const got = await c.batchCalls.get(created.id);
  assert.equal(got.status, "cancelled");
  assert.ok(got.recipients.filter((r) => r.status === "cancelled").length >= 4, "queued recipients are cancelled");
  assert.ok(!got.recipients.some((r) => r.status === "pending"), "no recipient stays pending");
});
