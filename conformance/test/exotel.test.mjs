// A batch on an Exotel number, through the official SDK, against the fake Exotel that conformance/run starts
// (lib/fake-exotel.mjs): the server's Calls/connect requests land there, and the fake, playing Exotel, posts its
// unsigned status callbacks (answered, terminal) to each call's StatusCallback URL as the customer is scripted.
// What comes back through batchCalls.get and conversations.get must be what those callbacks said, and the
// conversation's phone_call must parse as the SDK's exotel variant.
import { test } from "node:test";
import assert from "node:assert/strict";
import { baseUrl, newWorkspaceClient, lazy, waitForBatchStatus, assertDetailedBatchShape } from "../lib/sdk.mjs";
import { ACCOUNT_SID, API_KEY, API_TOKEN, FakeExotelControl } from "../lib/fake-exotel.mjs";

const fakeUrl = process.env.FAKE_EXOTEL_URL;
const skip = fakeUrl ? false : "FAKE_EXOTEL_URL is not set: run the suite through conformance/run <jar>";
const fake = fakeUrl ? new FakeExotelControl(fakeUrl) : null;

const client = lazy(() => newWorkspaceClient("exotel"));

let sequence = Math.floor(Math.random() * 1_000);
/** An Indian mobile number no two recipients of this file share. */
const uniqueIndianNumber = () => `+9198765${String((sequence = (sequence + 1) % 100_000)).padStart(5, "0")}`;

test("a batch submitted through the SDK on an Exotel number completes with every outcome", { skip }, async () => {
  const c = (await client()).conversationalAi;
  const agent = await c.agents.create({
    name: "Exotel agent",
    conversationConfig: { agent: { firstMessage: "Namaste", language: "en", prompt: { prompt: "You are a test agent." } } },
  });
  const exophone = "+918047112233";
  // The SDK's own Exotel request type; cps 20 (our extension) only makes the batch quicker here.
  const number = await c.phoneNumbers.create(
    { provider: "exotel", phoneNumber: exophone, label: "Exotel caller", accountSid: ACCOUNT_SID, apiKey: API_KEY,
      apiToken: API_TOKEN, apiSubdomain: "api.in.exotel.com", appId: "4242" },
    { additionalBodyParameters: { cps: 20 } },
  );
  const got = await c.phoneNumbers.get(number.phoneNumberId);
  assert.equal(got.provider, "exotel");

  const expected = {
    completed: { status: "completed", lastOutcome: "completed" },
    busy: { status: "failed", lastOutcome: "busy" },
    "no-answer": { status: "failed", lastOutcome: "no_answer" },
    failed: { status: "failed", lastOutcome: "failed" },
    machine: { status: "voicemail", lastOutcome: "voicemail" },
  };
  const scripts = Object.fromEntries(Object.keys(expected).map((script) => [uniqueIndianNumber(), script]));
  await fake.script(scripts);
  const created = await c.batchCalls.create({
    callName: "Exotel outcomes",
    agentId: agent.agentId,
    agentPhoneNumberId: number.phoneNumberId,
    recipients: Object.keys(scripts).map((phoneNumber) => ({ id: `rcp-${phoneNumber.slice(-4)}`, phoneNumber })),
  });

  const batch = await waitForBatchStatus(c, created.id, ["completed", "failed", "cancelled"]);
  assertDetailedBatchShape(batch);
  assert.equal(batch.status, "completed");
  assert.equal(batch.phoneProvider, "exotel");
  assert.equal(batch.totalCallsFinished, 5);

  const log = await fake.log();
  const connects = log.requests.filter((r) => r.method === "POST" && r.path === `/v1/Accounts/${ACCOUNT_SID}/Calls/connect.json`);
  for (const recipient of batch.recipients) {
    const script = scripts[recipient.phoneNumber];
    assert.equal(recipient.status, expected[script].status, `${script}: recipient status`);
    assert.equal(recipient.last_outcome, expected[script].lastOutcome, `${script}: last_outcome`);
    const mine = connects.filter((r) => r.form.From === recipient.phoneNumber);
    assert.equal(mine.length, 1, `${script}: the customer is dialed once, first (From)`);
    assert.ok(mine[0].authorized, "Calls/connect carries basic auth api_key:api_token");
    assert.equal(mine[0].form.CallerId, exophone);
    assert.equal(mine[0].form.Url, `http://my.exotel.com/${ACCOUNT_SID}/exoml/start_voice/4242`);
    assert.ok(mine[0].form.StatusCallback.startsWith(`${baseUrl}/callbacks/exotel/`), mine[0].form.StatusCallback);
    for (const cb of log.callbacks.filter((cb) => cb.sid === mine[0].sid)) {
      assert.equal(cb.status, 200, `${script}: ${cb.params.EventType} callback answered ${cb.status} ${cb.error ?? ""}`);
    }
  }

  const answered = batch.recipients.find((r) => scripts[r.phoneNumber] === "completed");
  const conversation = await c.conversations.get(answered.conversationId);
  assert.equal(conversation.status, "done");
  const phoneCall = conversation.metadata.phoneCall;
  assert.equal(phoneCall.type, "exotel");
  assert.equal(phoneCall.externalNumber, answered.phoneNumber);
  assert.equal(phoneCall.agentNumber, exophone);
  assert.equal(phoneCall.callSid, connects.find((r) => r.form.From === answered.phoneNumber).sid);
});
