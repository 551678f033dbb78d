// conversations.list with ElevenLabs' filters, conversations.delete and conversations.audio.get, through the
// official SDK, over a simulated batch whose outcomes are known (sim_outcome per recipient). Each filter must
// list exactly the conversations it describes, page by page in both directions; a filter batchcall cannot
// honour must be the SDK's UnprocessableEntityError naming it, never an unfiltered list.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  newWorkspaceClient, lazy, waitForBatchStatus, createAgent, createSimulatorNumber, uniquePhoneNumber,
  expectHttpError, assertDetailStatus, assertValidationError, nowUnix, pollUntil, streamToText,
} from "../lib/sdk.mjs";
import { ACCOUNT_SID, AUTH_TOKEN, FakeTwilioControl } from "../lib/fake-twilio.mjs";

const twilioUrl = process.env.FAKE_TWILIO_URL;
const skipTwilio = twilioUrl ? false : "FAKE_TWILIO_URL is not set: run the suite through conformance/run <jar>";
const twilio = twilioUrl ? new FakeTwilioControl(twilioUrl) : null;

const client = lazy(() => newWorkspaceClient("conversations"));
const ai = async () => (await client()).conversationalAi;

const OUTCOMES = { "rcp-ok-1": "completed", "rcp-ok-2": "completed", "rcp-busy": "busy", "rcp-none": "no_answer" };

/** A finished simulated batch: its agent and each recipient's conversation id, by recipient id. */
const run = lazy(async () => {
  const c = await ai();
  const { agentId } = await createAgent(await client(), "Filtered agent");
  const number = await createSimulatorNumber(await client(), { label: "filters" });
  const created = await c.batchCalls.create({
    callName: "Filters",
    agentId,
    agentPhoneNumberId: number.phoneNumberId,
    targetConcurrencyLimit: 1,
    recipients: Object.entries(OUTCOMES).map(([id, outcome]) => ({
      id,
      phoneNumber: uniquePhoneNumber(),
      conversationInitiationClientData: {
        dynamicVariables: { sim_outcome: outcome, sim_ring_ms: 10, sim_talk_ms: 20 },
      },
    })),
  });
  const batch = await waitForBatchStatus(c, created.id, ["completed", "failed"]);
  const byRecipient = Object.fromEntries(batch.recipients.map((r) => [r.id, r.conversationId]));
  return { agentId, batchId: created.id, byRecipient };
});

/** Every conversation id the filter lists, following next_cursor one page at a time. */
async function listAll(request) {
  const c = await ai();
  const ids = [];
  let cursor;
  for (let page = 0; page < 50; page++) {
    const response = await c.conversations.list({ ...request, pageSize: 1, cursor });
    ids.push(...response.conversations.map((s) => s.conversationId));
    if (!response.hasMore) return ids;
    cursor = response.nextCursor;
  }
  assert.fail("more than 50 pages");
}

const sorted = (ids) => [...ids].sort();

test("conversations.list filters by outcome, status, termination reason, time and duration", async () => {
  const { agentId, byRecipient } = await run();
  const ok = [byRecipient["rcp-ok-1"], byRecipient["rcp-ok-2"]];
  const unanswered = [byRecipient["rcp-busy"], byRecipient["rcp-none"]];

  assert.deepEqual(sorted(await listAll({ agentId, callSuccessful: "success" })), sorted(ok));
  assert.deepEqual(sorted(await listAll({ agentId, callSuccessful: "failure" })), sorted(unanswered));
  assert.deepEqual(sorted(await listAll({ agentId, excludeStatuses: ["failed"] })), sorted(ok));
  assert.deepEqual(await listAll({ agentId, terminationReasons: ["busy"] }), [byRecipient["rcp-busy"]]);
  assert.deepEqual(sorted(await listAll({ agentId, terminationReasons: ["busy", "no_answer"] })), sorted(unanswered));
  assert.deepEqual(await listAll({ agentId, callStartAfterUnix: nowUnix() + 3600 }), []);
  assert.equal((await listAll({ agentId, callStartBeforeUnix: nowUnix() + 3600 })).length, 4);
  assert.deepEqual(await listAll({ agentId, callDurationMinSecs: 3600 }), []);
  assert.equal((await listAll({ agentId, callDurationMaxSecs: 3600 })).length, 4);
  assert.deepEqual(await listAll({ agentId, userId: "nobody" }), []);
  assert.deepEqual(await listAll({ agentId, dynamicVariableParams: ["sim_outcome:eq:busy"] }), [byRecipient["rcp-busy"]]);
  assert.deepEqual(sorted(await listAll({ agentId, dynamicVariableParams: ["sim_outcome:in:busy|no_answer"] })),
    sorted(unanswered));
});

test("conversations.list pages a filtered list in both sort directions, each conversation once", async () => {
  const { agentId } = await run();
  const newest = await listAll({ agentId });
  const oldest = await listAll({ agentId, sortDirection: "asc" });

  assert.equal(newest.length, 4);
  assert.equal(new Set(newest).size, 4);
  assert.deepEqual(oldest, [...newest].reverse());
  const c = await ai();
  const page = await c.conversations.list({ agentId, summaryMode: "include", pageSize: 1 });
  assert.equal(page.conversations[0].agentId, agentId);
  assert.equal(page.conversations[0].status === "done" || page.conversations[0].status === "failed", true);
});

test("a filter batchcall cannot honour is an UnprocessableEntityError naming it", async () => {
  const c = await ai();
  for (const [request, name] of [[{ ratingMin: 3 }, "rating_min"], [{ toolNames: ["transfer"] }, "tool_names"],
    [{ search: "refund" }, "search"]]) {
    const error = await expectHttpError(c.conversations.list(request), 422);
    assertValidationError(error, ["query", name]);
  }
});

test("conversations.audio.get is a 404 for a call without a recording", async () => {
  const { byRecipient } = await run();
  const c = await ai();
  const error = await expectHttpError(c.conversations.audio.get(byRecipient["rcp-ok-1"]), 404);
  assertDetailStatus(error, "audio_not_found");
});

test("conversations.delete removes a finished conversation: it is then 404 and no longer listed", async () => {
  const { agentId, byRecipient } = await run();
  const c = await ai();
  const id = byRecipient["rcp-none"];

  await c.conversations.delete(id);

  assertDetailStatus(await expectHttpError(c.conversations.get(id), 404), "conversation_not_found");
  assert.ok(!(await listAll({ agentId })).includes(id));
  assertDetailStatus(await expectHttpError(c.conversations.delete(id), 404), "conversation_not_found");
});

test("conversations.audio.get streams a recorded Twilio call's recording from Twilio", { skip: skipTwilio }, async () => {
  const c = await ai();
  const { agentId } = await c.agents.create(
    { name: "Recorded agent", conversationConfig: { agent: { firstMessage: "Hello", language: "en" } } },
    { additionalBodyParameters: { media_stream_url: "wss://agent.conformance.test/media" } },
  );
  const number = await c.phoneNumbers.create(
    { provider: "twilio", phoneNumber: uniquePhoneNumber(), label: "Recorded", sid: ACCOUNT_SID, token: AUTH_TOKEN },
    { additionalBodyParameters: { cps: 20 } },
  );
  const to = uniquePhoneNumber();
  await twilio.script({ [to]: "completed" });

  const answer = await c.twilio.outboundCall({
    agentId, agentPhoneNumberId: number.phoneNumberId, toNumber: to, callRecordingEnabled: true,
  });
  assert.equal(answer.success, true, answer.message);
  const conversation = await pollUntil("the recording to arrive", async () => {
    const got = await c.conversations.get(answer.conversationId);
    return { done: got.hasAudio === true, value: got };
  });

  assert.equal(conversation.hasUserAudio, false);
  const audio = await streamToText(await c.conversations.audio.get(answer.conversationId));
  assert.equal(audio, `ID3 fake recording of ${answer.callSid}`);
});
