// conversationalAi.phoneNumbers: create, list, get, update, delete, on the simulator and sip_trunk providers.
//
// A `simulator` number is not a variant the SDK knows, so its responses pass through unparsed (the SDK's
// union parsing lets unknown members through with their raw snake_case keys): phone_number_id, not
// phoneNumberId. sip_trunk numbers are a known variant and come back camelCased.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  newWorkspaceClient, lazy, expectHttpError, assertDetailStatus, assertValidationError,
  createAgent, createSimulatorNumber, uniquePhoneNumber,
} from "../lib/sdk.mjs";

const client = lazy(() => newWorkspaceClient("phone-numbers"));
const agent = lazy(async () => createAgent(await client(), "Phone number agent"));
const simulatorNumber = lazy(async () => createSimulatorNumber(await client(), { label: "sim one" }));

test("phoneNumbers.create (simulator) returns an id that phoneNumbers.get reads back", async () => {
  const ai = (await client()).conversationalAi;
  const number = await simulatorNumber();
  const got = await ai.phoneNumbers.get(number.phoneNumberId);
  assert.equal(got.provider, "simulator");
  assert.equal(got.phone_number_id, number.phoneNumberId);
  assert.equal(got.phone_number, number.phoneNumber);
  assert.equal(got.label, "sim one");
  assert.equal(got.assigned_agent ?? null, null);
});

test("phoneNumbers.list includes the number and filters by agentId", async () => {
  const ai = (await client()).conversationalAi;
  const number = await simulatorNumber();
  const { agentId } = await agent();
  const assigned = await createSimulatorNumber(await client(), { label: "assigned", agentId });
  const all = await ai.phoneNumbers.list();
  const ids = all.map((n) => n.phone_number_id ?? n.phoneNumberId);
  assert.ok(ids.includes(number.phoneNumberId), `list lacks ${number.phoneNumberId}: ${JSON.stringify(ids)}`);
  assert.ok(ids.includes(assigned.phoneNumberId));
  const forAgent = await ai.phoneNumbers.list({ agentId });
  assert.deepEqual(forAgent.map((n) => n.phone_number_id ?? n.phoneNumberId), [assigned.phoneNumberId]);
});

test("phoneNumbers.update changes the label and assigns an agent", async () => {
  const ai = (await client()).conversationalAi;
  const { agentId, name } = await agent();
  const number = await createSimulatorNumber(await client(), { label: "before" });
  const updated = await ai.phoneNumbers.update(number.phoneNumberId, { label: "after", agentId });
  assert.equal(updated.label, "after");
  const got = await ai.phoneNumbers.get(number.phoneNumberId);
  assert.equal(got.label, "after");
  assert.equal(got.phone_number, number.phoneNumber, "the number itself is not changed");
  assert.equal(got.assigned_agent.agent_id, agentId);
  assert.equal(got.assigned_agent.agent_name, name);
});

test("phoneNumbers.delete removes the number: get is 404 and list no longer has it", async () => {
  const ai = (await client()).conversationalAi;
  const number = await createSimulatorNumber(await client(), { label: "to delete" });
  assert.equal((await ai.phoneNumbers.get(number.phoneNumberId)).label, "to delete");
  await ai.phoneNumbers.delete(number.phoneNumberId);
  assertDetailStatus(await expectHttpError(ai.phoneNumbers.get(number.phoneNumberId), 404));
  const ids = (await ai.phoneNumbers.list()).map((n) => n.phone_number_id ?? n.phoneNumberId);
  assert.ok(!ids.includes(number.phoneNumberId));
});

test("a sip_trunk number with credentials never returns the password", async () => {
  const ai = (await client()).conversationalAi;
  const password = `pw-${Date.now()}-secret`;
  const phoneNumber = uniquePhoneNumber();
  const created = await ai.phoneNumbers.create({
    provider: "sip_trunk",
    phoneNumber,
    label: "sip trunk",
    outboundTrunkConfig: {
      address: "sip.example.test:5060",
      transport: "tcp",
      mediaEncryption: "disabled",
      credentials: { username: "trunk-user", password },
    },
    inboundTrunkConfig: {
      allowedAddresses: ["192.0.2.10"],
      credentials: { username: "inbound-user", password },
    },
  });
  const got = await ai.phoneNumbers.get(created.phoneNumberId);
  assert.equal(got.provider, "sip_trunk");
  assert.equal(got.phoneNumberId, created.phoneNumberId);
  assert.equal(got.phoneNumber, phoneNumber);
  assert.equal(got.outboundTrunk.address, "sip.example.test:5060");
  assert.equal(got.outboundTrunk.transport, "tcp");
  assert.equal(got.outboundTrunk.hasAuthCredentials, true);
  assert.equal(got.outboundTrunk.username, "trunk-user");
  assert.equal(got.inboundTrunk.hasAuthCredentials, true);
  assert.equal(got.inboundTrunk.username, "inbound-user");
  assert.deepEqual(got.inboundTrunk.allowedAddresses, ["192.0.2.10"]);

  const listed = (await ai.phoneNumbers.list()).find((n) => n.phoneNumberId === created.phoneNumberId);
  assert.ok(listed, "the sip_trunk number is not listed");
  const updated = await ai.phoneNumbers.update(created.phoneNumberId, { label: "sip trunk renamed" });
  assert.equal(updated.label, "sip trunk renamed");
  for (const [what, body] of [["get", got], ["list", listed], ["update", updated]]) {
    assert.ok(!JSON.stringify(body).includes(password), `${what} leaked the password: ${JSON.stringify(body)}`);
  }
});

test("an invalid phone number is 422 UnprocessableEntityError with loc [body, phone_number]", async () => {
  const ai = (await client()).conversationalAi;
  const error = await expectHttpError(
    ai.phoneNumbers.create(
      { provider: "sip_trunk", phoneNumber: "not-a-phone-number", label: "bad" },
      { additionalBodyParameters: { provider: "simulator" } },
    ),
    422,
  );
  assertValidationError(error, ["body", "phone_number"]);
});

test("phoneNumbers.list filters by branchId, and listV2 pages, searches and sorts", async () => {
  const client2 = await newWorkspaceClient("phone-numbers-v2");
  const ai = client2.conversationalAi;
  const { agentId } = await createAgent(client2, "Branched agent");
  const branch = await ai.agents.branches.create(agentId, {
    parentVersionId: "agtvrs_main", name: "b", description: "",
  });
  const numbers = [];
  for (const label of ["Charlie", "alpha", "Bravo"]) {
    numbers.push(await createSimulatorNumber(client2, { label }));
  }
  await ai.phoneNumbers.update(numbers[1].phoneNumberId, { agentId, branchId: branch.createdBranchId });
  const forBranch = await ai.phoneNumbers.list({ branchId: branch.createdBranchId });
  assert.deepEqual(forBranch.map((n) => n.phone_number_id ?? n.phoneNumberId), [numbers[1].phoneNumberId]);

  const first = await ai.phoneNumbers.listV2({ pageSize: 2 });
  const labels = (page) => page.phoneNumbers.map((n) => n.label);
  assert.deepEqual(labels(first), ["Charlie", "alpha"]);
  assert.equal(first.hasMore, true);
  const second = await ai.phoneNumbers.listV2({ pageSize: 2, cursor: first.nextCursor });
  assert.deepEqual(labels(second), ["Bravo"]);
  assert.equal(second.hasMore, false);
  assert.deepEqual(labels(await ai.phoneNumbers.listV2({ search: "BRAV" })), ["Bravo"]);
  assert.deepEqual(labels(await ai.phoneNumbers.listV2({ branchId: branch.createdBranchId })), ["alpha"]);
  const byNumber = await ai.phoneNumbers.listV2({ sortBy: "phone_number", sortDirection: "desc" });
  const phones = byNumber.phoneNumbers.map((n) => n.phone_number ?? n.phoneNumber);
  assert.deepEqual(phones, [...phones].sort().reverse());
});
