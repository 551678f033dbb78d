// conversationalAi.agents: create, get, list, update, delete.
import { test } from "node:test";
import assert from "node:assert/strict";
import { newWorkspaceClient, lazy, expectHttpError, assertDetailStatus, assertInteger, nowUnix } from "../lib/sdk.mjs";

const client = lazy(() => newWorkspaceClient("agents"));
const agentName = `Conformance agent ${Date.now()}`;
const agent = lazy(async () => {
  const ai = (await client()).conversationalAi;
  const created = await ai.agents.create({
    name: agentName,
    tags: ["conformance", "sdk"],
    conversationConfig: {
      agent: { firstMessage: "Hi {{first_name}}", language: "en", prompt: { prompt: "Be brief." } },
    },
  });
  assert.match(created.agentId, /\S/);
  return created.agentId;
});

test("agents.create returns an id that agents.get reads back with name, config and metadata", async () => {
  const ai = (await client()).conversationalAi;
  const agentId = await agent();
  const got = await ai.agents.get(agentId);
  assert.equal(got.agentId, agentId);
  assert.equal(got.name, agentName);
  assert.equal(got.conversationConfig.agent.firstMessage, "Hi {{first_name}}");
  assert.equal(got.conversationConfig.agent.language, "en");
  assert.equal(got.conversationConfig.agent.prompt.prompt, "Be brief.");
  assertInteger(got.metadata.createdAtUnixSecs, "metadata.createdAtUnixSecs");
  assertInteger(got.metadata.updatedAtUnixSecs, "metadata.updatedAtUnixSecs");
  assert.ok(Math.abs(got.metadata.createdAtUnixSecs - nowUnix()) < 300, "created_at is not about now");
});

test("agents.list pages through the workspace's agents and includes the new one", async () => {
  const ai = (await client()).conversationalAi;
  const agentId = await agent();
  const second = await ai.agents.create({ name: `${agentName} two`, conversationConfig: {} });
  const seen = [];
  let cursor;
  for (let page = 0; page < 20; page++) {
    const response = await ai.agents.list({ pageSize: 1, cursor });
    assert.ok(Array.isArray(response.agents));
    assert.ok(response.agents.length <= 1, "pageSize 1 returned more than one agent");
    assert.equal(typeof response.hasMore, "boolean");
    for (const summary of response.agents) {
      assert.equal(typeof summary.name, "string");
      assertInteger(summary.createdAtUnixSecs, "createdAtUnixSecs");
      seen.push(summary.agentId);
    }
    if (!response.hasMore) break;
    assert.equal(typeof response.nextCursor, "string", "hasMore without nextCursor");
    cursor = response.nextCursor;
  }
  assert.deepEqual([...seen].sort(), [agentId, second.agentId].sort(), "the fresh workspace holds exactly these two");
});

test("agents.update changes the name and keeps the rest", async () => {
  const ai = (await client()).conversationalAi;
  const agentId = await agent();
  const updated = await ai.agents.update(agentId, { name: `${agentName} renamed` });
  assert.equal(updated.agentId, agentId);
  assert.equal(updated.name, `${agentName} renamed`);
  const got = await ai.agents.get(agentId);
  assert.equal(got.name, `${agentName} renamed`);
  assert.equal(got.conversationConfig.agent.firstMessage, "Hi {{first_name}}");
});

test("agents.delete removes the agent: agents.get is then 404", async () => {
  const ai = (await client()).conversationalAi;
  const doomed = await ai.agents.create({ name: "to delete", conversationConfig: {} });
  assert.equal((await ai.agents.get(doomed.agentId)).name, "to delete");
  await ai.agents.delete(doomed.agentId);
  assertDetailStatus(await expectHttpError(ai.agents.get(doomed.agentId), 404));
});

test("agents.get of an unknown id is 404 with a detail status", async () => {
  const ai = (await client()).conversationalAi;
  // The route exists (so the 404 below is about the id, not about a missing endpoint).
  assert.ok(Array.isArray((await ai.agents.list()).agents));
  assertDetailStatus(await expectHttpError(ai.agents.get("agent_doesnotexist00000000000000"), 404));
});

test("agents.create without a name stores platformSettings; agents.get returns its callLimits as in force", async () => {
  const ai = (await client()).conversationalAi;
  const created = await ai.agents.create({
    conversationConfig: { agent: { firstMessage: "Hello" } },
    platformSettings: { callLimits: { agentConcurrencyLimit: 3, dailyLimit: 500, burstingEnabled: false } },
  });
  const got = await ai.agents.get(created.agentId);
  assert.equal(got.name, "");
  assert.equal(got.conversationConfig.agent.firstMessage, "Hello");
  assert.deepEqual(
    { ...got.platformSettings.callLimits },
    { agentConcurrencyLimit: 3, dailyLimit: 500, burstingEnabled: false },
  );
  const updated = await ai.agents.update(created.agentId, {
    platformSettings: { callLimits: { agentConcurrencyLimit: -1 } },
  });
  assert.equal(updated.platformSettings.callLimits.agentConcurrencyLimit, -1);
  assert.equal(updated.platformSettings.callLimits.dailyLimit, 500, "a PATCH keeps the limits it does not name");
});

test("agents.branches.create answers createdBranchId and createdVersionId; branches.list has the branch", async () => {
  const ai = (await client()).conversationalAi;
  const agentId = await agent();
  const created = await ai.agents.branches.create(agentId, {
    parentVersionId: "agtvrs_main", name: `experiment ${Date.now()}`, description: "conformance",
  });
  assert.match(created.createdBranchId, /^agtbranch_/);
  assert.match(created.createdVersionId, /^agtvrs_/);
  const listed = await ai.agents.branches.list(agentId);
  assert.ok(listed.results.some((branch) => branch.id === created.createdBranchId));
});
