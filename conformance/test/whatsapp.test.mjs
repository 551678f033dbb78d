// WhatsApp calling through the official SDK, against the fake Graph API that conformance/run starts
// (lib/fake-graph.mjs). The account is imported with our own endpoint (the SDK has no import: ElevenLabs imports
// accounts through Meta's sign-in), then listed, read and updated through the SDK's whatsappAccounts client. A
// batch with whatsapp_params goes through batchCalls.create, and a single call through whatsapp.outboundCall.
// The fake, playing Meta, answers permission checks as each user is scripted, replies to the permission template
// with a signed messages webhook, and reports each call with signed calls webhooks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { baseUrl, newWorkspaceKey, sdkClient, lazy, waitForBatchStatus, assertDetailedBatchShape, pollUntil } from "../lib/sdk.mjs";
import { FakeGraphControl } from "../lib/fake-graph.mjs";

const fakeUrl = process.env.FAKE_GRAPH_URL;
const skip = fakeUrl ? false : "FAKE_GRAPH_URL is not set: run the suite through conformance/run <jar>";
const fake = fakeUrl ? new FakeGraphControl(fakeUrl) : null;
const MEDIA_STREAM_URL = "wss://agent.conformance.test/media";
const TEMPLATE = "call_permission_conformance";

// The workspace's key is kept for the one request the SDK has no method for (the import).
const apiKey = lazy(() => newWorkspaceKey("whatsapp"));
const client = lazy(async () => sdkClient(await apiKey()));
const ai = async () => (await client()).conversationalAi;

let sequence = Math.floor(Math.random() * 10_000);
/** A WhatsApp user id (digits, country code first, no +) no two recipients of this file share. */
const uniqueUser = () => `49151${String((sequence = (sequence + 1) % 10_000_000)).padStart(7, "0")}`;

/** Imports a business number with our endpoint and tells the fake where its webhooks go and how to sign them. */
async function importAccount(agentId) {
  const phoneNumberId = String(100_000_000_000_000 + Math.floor(Math.random() * 899_999_999_999_999));
  const secrets = { access_token: `token-${phoneNumberId}`, app_secret: `secret-${phoneNumberId}`, verify_token: "verify-me" };
  const response = await fetch(`${baseUrl}/v1/batchcall/whatsapp-accounts`, {
    method: "POST",
    headers: { "xi-api-key": await apiKey(), "content-type": "application/json" },
    body: JSON.stringify({
      phone_number_id: phoneNumberId, phone_number: "+14155550123", business_account_id: "102290129340398",
      business_account_name: "Conformance Ltd", phone_number_name: "Conformance line", assigned_agent_id: agentId,
      ...secrets,
    }),
  });
  const text = await response.text();
  assert.equal(response.status, 200, `import answered ${response.status}: ${text}`);
  assert.ok(!text.includes(secrets.access_token) && !text.includes(secrets.app_secret), "secrets are never returned");
  await fake.account({
    phone_number_id: phoneNumberId, ...secrets,
    webhook_url: `${baseUrl}/v1/batchcall/whatsapp/webhooks/${phoneNumberId}`,
  });
  return phoneNumberId;
}

const agent = lazy(async () => {
  const created = await (await ai()).agents.create(
    { name: "WhatsApp agent", conversationConfig: { agent: { firstMessage: "Hallo", language: "de" } } },
    { additionalBodyParameters: { media_stream_url: MEDIA_STREAM_URL } },
  );
  return created.agentId;
});

test("whatsappAccounts lists, reads and updates an imported account", { skip }, async () => {
  const c = await ai();
  const agentId = await agent();
  const phoneNumberId = await importAccount(agentId);

  const listed = await c.whatsappAccounts.list();
  const mine = listed.items.find((a) => a.phoneNumberId === phoneNumberId);
  assert.ok(mine, "the imported account is listed");
  assert.equal(mine.businessAccountId, "102290129340398");
  assert.equal(mine.assignedAgentId, agentId);
  assert.equal(mine.assignedAgentName, "WhatsApp agent");

  await c.whatsappAccounts.update(phoneNumberId, { assignedAgentId: null, enableMessaging: false });
  const got = await c.whatsappAccounts.get(phoneNumberId);
  assert.equal(got.phoneNumber, "+14155550123");
  assert.equal(got.assignedAgentId ?? null, null);
  assert.equal(got.enableMessaging, false);
});

test("a batch with whatsapp_params submitted through the SDK completes with every permission and call outcome", { skip }, async () => {
  const c = await ai();
  const agentId = await agent();
  const phoneNumberId = await importAccount(agentId);
  const expected = {
    granted: { status: "completed" },
    ask: { status: "completed" },
    decline: { status: "failed" },
    "no-answer": { status: "failed" },
    busy: { status: "failed" },
  };
  const scripts = Object.fromEntries(Object.keys(expected).map((script) => [uniqueUser(), script]));
  await fake.script(scripts);

  const created = await c.batchCalls.create({
    callName: "WhatsApp outcomes",
    agentId,
    whatsappParams: {
      whatsappPhoneNumberId: phoneNumberId,
      whatsappCallPermissionRequestTemplateName: TEMPLATE,
      whatsappCallPermissionRequestTemplateLanguageCode: "de",
    },
    recipients: Object.keys(scripts).map((whatsappUserId) => ({ whatsappUserId })),
  });
  assert.equal(created.phoneProvider, "whatsapp");
  assert.equal(created.whatsappParams.whatsappCallPermissionRequestTemplateName, TEMPLATE);

  const batch = await waitForBatchStatus(c, created.id, ["completed", "failed", "cancelled"], { timeout: 90_000 });
  assertDetailedBatchShape(batch);
  assert.equal(batch.status, "completed");
  assert.equal(batch.totalCallsFinished, 5);

  const log = await fake.log();
  const path = (kind) => (r) => r.path.endsWith(`/${phoneNumberId}/${kind}`) && r.authorized;
  for (const recipient of batch.recipients) {
    const script = scripts[recipient.whatsappUserId];
    assert.equal(recipient.status, expected[script].status, `${script}: recipient status`);
    const templates = log.requests.filter((r) => path("messages")(r) && r.body.to === recipient.whatsappUserId);
    const connects = log.requests.filter(
      (r) => path("calls")(r) && r.body.action === "connect" && r.body.to === recipient.whatsappUserId);
    if (script === "ask" || script === "decline") {
      assert.equal(templates.length, 1, `${script}: the permission template is sent once`);
      assert.equal(templates[0].body.template.name, TEMPLATE);
      assert.equal(templates[0].body.template.language.code, "de");
    } else {
      assert.equal(templates.length, 0, `${script}: a user who granted permission gets no template`);
    }
    assert.equal(connects.length, script === "decline" ? 0 : 1, `${script}: connect requests`);
    for (const connect of connects) {
      assert.match(connect.body.session.sdp, /RTP\/SAVP/, "the offer is SDES-SRTP");
      assert.match(connect.body.session.sdp, /a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:/);
    }
  }
  // The batch can complete while the fake still awaits the answer to its last webhook: wait for every answer.
  const delivered = await pollUntil("every webhook the fake sent to be answered", async () => {
    const mine = (await fake.log()).webhooks.filter((w) => w.phoneNumberId === phoneNumberId);
    return { done: mine.every((w) => w.status !== 0 || w.error), value: mine };
  }, { timeout: 20_000 });
  for (const sent of delivered) {
    assert.equal(sent.status, 200, `every signed webhook is answered 200 (${sent.kind}: ${sent.error ?? sent.status})`);
  }

  const declined = batch.recipients.find((r) => scripts[r.whatsappUserId] === "decline");
  const conversation = await c.conversations.get(declined.conversationId);
  assert.equal(conversation.status, "failed");
  assert.equal(conversation.metadata.whatsapp?.whatsappUserId, declined.whatsappUserId);

  const answered = batch.recipients.find((r) => scripts[r.whatsappUserId] === "granted");
  const done = await c.conversations.get(answered.conversationId);
  assert.equal(done.metadata.whatsapp?.whatsappUserId, answered.whatsappUserId);
});

test("whatsapp.outboundCall places one call and answers with its conversation", { skip }, async () => {
  const c = await ai();
  const agentId = await agent();
  const phoneNumberId = await importAccount(agentId);
  const user = uniqueUser();
  await fake.script({ [user]: "granted" });

  const answer = await c.whatsapp.outboundCall({
    whatsappPhoneNumberId: phoneNumberId,
    whatsappUserId: user,
    whatsappCallPermissionRequestTemplateName: TEMPLATE,
    whatsappCallPermissionRequestTemplateLanguageCode: "en_US",
    agentId,
  });
  assert.equal(answer.success, true, answer.message);
  assert.equal(typeof answer.conversationId, "string");

  const conversation = await pollUntil("the single WhatsApp call ends", async () => {
    const got = await c.conversations.get(answer.conversationId);
    return { done: got.status === "done" || got.status === "failed", value: got };
  });
  assert.equal(conversation.status, "done");
  const connects = (await fake.log()).requests.filter(
    (r) => r.path.endsWith(`/${phoneNumberId}/calls`) && r.body.action === "connect" && r.body.to === user);
  assert.equal(connects.length, 1, "exactly one connect request");
});
