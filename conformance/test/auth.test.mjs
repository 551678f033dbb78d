// Authentication as the SDK sees it: a wrong key is a 401 ElevenLabsError carrying ElevenLabs' own body.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  baseUrl, defaultApiKey, sdkClient, newWorkspaceClient, expectHttpError, assertDetailStatus,
} from "../lib/sdk.mjs";

const wrongKey = "sk_conformance_wrong_key_0000000000";

test("a wrong API key is refused with 401 invalid_api_key on batchCalls.list", async () => {
  const error = await expectHttpError(sdkClient(wrongKey).conversationalAi.batchCalls.list(), 401);
  assertDetailStatus(error, "invalid_api_key");
  assert.equal(error.body.detail.message, "Invalid API key");
});

test("a wrong API key is refused with 401 on batchCalls.create before any validation", async () => {
  const client = sdkClient(wrongKey);
  const error = await expectHttpError(
    client.conversationalAi.batchCalls.create({
      callName: "never created",
      agentId: "agent_unknown",
      recipients: [{ phoneNumber: "+14155550100" }],
    }),
    401,
  );
  assertDetailStatus(error, "invalid_api_key");
});

test("a wrong API key is refused with 401 on agents.get, phoneNumbers.list and conversations.list", async () => {
  const ai = sdkClient(wrongKey).conversationalAi;
  for (const call of [
    () => ai.agents.get("agent_unknown"),
    () => ai.phoneNumbers.list(),
    () => ai.conversations.list(),
  ]) {
    assertDetailStatus(await expectHttpError(call(), 401), "invalid_api_key");
  }
});

test("the key travels as xi-api-key: wrong key 401, the run's key 200 (raw fetch on our /v1/batchcall/workspace)", async () => {
  const path = "v1/batchcall/workspace"; // our extension, the one authenticated path today's jar always has
  const wrong = await fetch(`${baseUrl}/${path}`, { headers: { "xi-api-key": wrongKey } });
  assert.equal(wrong.status, 401);
  const right = await fetch(`${baseUrl}/${path}`, { headers: { "xi-api-key": defaultApiKey } });
  assert.equal(right.status, 200, await right.text());
});

test("without any key the server answers 401 needs_authorization (raw fetch: the SDK always sends a key)", async () => {
  const response = await fetch(`${baseUrl}/v1/convai/batch-calling/workspace`);
  assert.equal(response.status, 401);
  const body = await response.json();
  assert.deepEqual(body, {
    detail: {
      status: "needs_authorization",
      message: "Neither authorization header nor xi-api-key received, please provide one.",
    },
  });
});

test("a key made through the admin API is accepted by the SDK: an unknown batch id is 404, not 401", async () => {
  const client = await newWorkspaceClient("auth");
  const error = await expectHttpError(client.conversationalAi.batchCalls.get("btcal_doesnotexist0000000000000"), 404);
  assertDetailStatus(error);
});
