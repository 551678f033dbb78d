// Webhooks: the SDK's configuration methods (webhooks.create/list/update/delete, conversationalAi.settings) against
// the server, and real deliveries of a simulated batch, captured by a receiver on loopback, accepted by the SDK's
// own client.webhooks.constructEvent and by the standardwebhooks package.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { Webhook } from "standardwebhooks";
import {
  newWorkspaceClient, lazy, expectHttpError, createAgent, createSimulatorNumber, uniquePhoneNumber, pollUntil,
  waitForBatchStatus,
} from "../lib/sdk.mjs";

const client = lazy(() => newWorkspaceClient("webhooks"));

/** Every request the receiver got: raw body and lower-cased headers, as a receiver must verify them. */
const received = [];
const receiver = lazy(() => new Promise((resolve) => {
  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      response.writeHead(200).end("ok");
    });
  });
  server.listen(0, "127.0.0.1", () => resolve(server));
}));
after(async () => {
  const server = await receiver();
  server.close();
});

const receiverUrl = async () => `http://127.0.0.1:${(await receiver()).address().port}/hook`;

test("webhooks.create returns an id and a whsec_ secret; list, update and delete work through the SDK", async () => {
  const c = await client();
  const created = await c.webhooks.create({
    settings: { authType: "hmac", name: "SDK hook", webhookUrl: await receiverUrl() },
  });
  assert.equal(typeof created.webhookId, "string");
  assert.match(created.webhookSecret, /^whsec_[A-Za-z0-9+/]{43}=$/);

  const listed = (await c.webhooks.list()).webhooks.find((w) => w.webhookId === created.webhookId);
  assert.ok(listed, "the new webhook is listed");
  assert.equal(listed.name, "SDK hook");
  assert.equal(listed.webhookUrl, await receiverUrl());
  assert.equal(listed.isDisabled, false);
  assert.equal(listed.isAutoDisabled, false);
  assert.equal(listed.authType, "hmac");
  assert.ok(Number.isInteger(listed.createdAtUnix));

  const updated = await c.webhooks.update(created.webhookId, { isDisabled: true, name: "Renamed", retryEnabled: true });
  assert.equal(updated.status, "ok");
  const after = (await c.webhooks.list()).webhooks.find((w) => w.webhookId === created.webhookId);
  assert.equal(after.name, "Renamed");
  assert.equal(after.isDisabled, true);

  assert.equal((await c.webhooks.delete(created.webhookId)).status, "ok");
  assert.ok(!(await c.webhooks.list()).webhooks.some((w) => w.webhookId === created.webhookId));
  await expectHttpError(c.webhooks.delete(created.webhookId), 404);
  await expectHttpError(c.webhooks.create({ settings: { authType: "hmac", name: "bad", webhookUrl: "ftp://x" } }), 422);
});

test("a simulated batch's deliveries pass the SDK's constructEvent and the standardwebhooks verifier", async () => {
  const c = await client();
  const { webhookId, webhookSecret } = await c.webhooks.create({
    settings: { authType: "hmac", name: "Batch hook", webhookUrl: await receiverUrl() },
  });
  // Our extension field, sent as the SDK sends fields it does not know.
  await c.webhooks.update(webhookId, { isDisabled: false, name: "Batch hook" },
    { additionalBodyParameters: { event_types: ["batch.*", "recipient.*"] } });
  const settings = await c.conversationalAi.settings.update({
    webhooks: { postCallWebhookId: webhookId, events: ["call_initiation_failure"] },
  });
  assert.equal(settings.webhooks.postCallWebhookId, webhookId);
  assert.deepEqual((await c.conversationalAi.settings.get()).webhooks.events, ["call_initiation_failure"]);

  const { agentId } = await createAgent(c, "Webhook agent");
  const number = await createSimulatorNumber(c, { label: "webhook sim" });
  const recipient = (id, outcome) => ({
    id, phoneNumber: uniquePhoneNumber(),
    conversationInitiationClientData: { dynamicVariables: { sim_outcome: outcome, sim_ring_ms: 20, sim_talk_ms: 50 } },
  });
  const created = await c.conversationalAi.batchCalls.create({
    callName: "Webhook run", agentId, agentPhoneNumberId: number.phoneNumberId,
    recipients: [recipient("ok", "completed"), recipient("busy", "busy")],
  });
  await waitForBatchStatus(c.conversationalAi, created.id, ["completed", "failed"]);

  const ofBatch = () => received.filter((r) => r.body.includes(created.id));
  const deliveries = await pollUntil("batch.completed and the initiation failure delivered", async () => {
    const types = ofBatch().map((r) => r.headers["batchcall-event-type"]);
    return { done: types.includes("batch.completed") && types.includes("call_initiation_failure"), value: types };
  }, { timeout: 30_000 }).then(() => ofBatch());

  const standard = new Webhook(webhookSecret);
  for (const delivery of deliveries) {
    const event = await c.webhooks.constructEvent(delivery.body, delivery.headers["elevenlabs-signature"],
      webhookSecret);
    assert.equal(event.type, delivery.headers["batchcall-event-type"]);
    assert.equal(event.event_id, delivery.headers["webhook-id"]);
    assert.ok(Number.isInteger(event.event_timestamp));
    const verified = standard.verify(delivery.body, {
      "webhook-id": delivery.headers["webhook-id"],
      "webhook-timestamp": delivery.headers["webhook-timestamp"],
      "webhook-signature": delivery.headers["webhook-signature"],
    });
    assert.deepEqual(verified, event);
  }
  await assert.rejects(c.webhooks.constructEvent(deliveries[0].body + " ",
    deliveries[0].headers["elevenlabs-signature"], webhookSecret), "a tampered body is refused");

  const sequence = (r) => Number(r.headers["batchcall-sequence"]);
  const completed = deliveries.find((r) => r.headers["batchcall-event-type"] === "batch.completed");
  for (const delivery of deliveries.filter((r) => r.headers["batchcall-event-type"].startsWith("recipient."))) {
    assert.ok(sequence(delivery) < sequence(completed), "batch.completed comes after every recipient event");
  }
  const failure = JSON.parse(deliveries.find((r) => r.headers["batchcall-event-type"] === "call_initiation_failure")
    .body);
  assert.equal(failure.data.failure_reason, "busy");
  assert.equal(failure.data.agent_id, agentId);
});
