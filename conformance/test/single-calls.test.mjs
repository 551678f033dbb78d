// Single outbound calls through the SDK's twilio.outboundCall, sipTrunk.outboundCall, exotel.outboundCall and
// twilio.registerCall: on the fake Twilio and the fake Exotel that conformance/run starts, and on a simulator
// number (our extension, which stands in for any provider). Each answer must parse as the SDK's own response type
// and carry what the provider said: the call id it returned, or success false with the reason.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  newWorkspaceClient, lazy, uniquePhoneNumber, createSimulatorNumber, pollUntil, expectHttpError,
  assertDetailStatus,
} from "../lib/sdk.mjs";
import { ACCOUNT_SID, AUTH_TOKEN, FakeTwilioControl } from "../lib/fake-twilio.mjs";
import {
  ACCOUNT_SID as EXOTEL_ACCOUNT, API_KEY as EXOTEL_KEY, API_TOKEN as EXOTEL_TOKEN, FakeExotelControl,
} from "../lib/fake-exotel.mjs";

const twilioUrl = process.env.FAKE_TWILIO_URL;
const exotelUrl = process.env.FAKE_EXOTEL_URL;
const skipTwilio = twilioUrl ? false : "FAKE_TWILIO_URL is not set: run the suite through conformance/run <jar>";
const skipExotel = exotelUrl ? false : "FAKE_EXOTEL_URL is not set: run the suite through conformance/run <jar>";
const twilio = twilioUrl ? new FakeTwilioControl(twilioUrl) : null;
const exotel = exotelUrl ? new FakeExotelControl(exotelUrl) : null;
const MEDIA_STREAM_URL = "wss://agent.conformance.test/media";

const client = lazy(() => newWorkspaceClient("single calls"));
const ai = async () => (await client()).conversationalAi;

const streamingAgent = lazy(async () => {
  const created = await (await ai()).agents.create(
    { name: "Single-call agent", conversationConfig: { agent: { firstMessage: "Hello", language: "en" } } },
    { additionalBodyParameters: { media_stream_url: MEDIA_STREAM_URL } },
  );
  return created.agentId;
});

const twilioNumber = lazy(async () => {
  const created = await (await ai()).phoneNumbers.create(
    { provider: "twilio", phoneNumber: uniquePhoneNumber(), label: "Twilio single", sid: ACCOUNT_SID, token: AUTH_TOKEN },
    { additionalBodyParameters: { cps: 20 } },
  );
  return created.phoneNumberId;
});

test("twilio.outboundCall answers the callSid Twilio returned and a conversation the SDK parses", { skip: skipTwilio }, async () => {
  const c = await ai();
  const to = uniquePhoneNumber();
  await twilio.script({ [to]: "completed" });

  const answer = await c.twilio.outboundCall({
    agentId: await streamingAgent(),
    agentPhoneNumberId: await twilioNumber(),
    toNumber: to,
    conversationInitiationClientData: { dynamicVariables: { first_name: "Ada" } },
    telephonyCallConfig: { ringingTimeoutSecs: 20 },
  });

  assert.equal(answer.success, true, answer.message);
  assert.equal(answer.message, "Success");
  const creates = (await twilio.log()).requests.filter((r) => r.method === "POST" && r.form?.To?.[0] === to);
  assert.equal(creates.length, 1, "exactly one create request");
  assert.equal(answer.callSid, creates[0].sid);
  assert.ok(creates[0].form.Twiml[0].includes('name="var_first_name" value="Ada"'), creates[0].form.Twiml[0]);
  const conversation = await pollUntil("the single call's conversation to end", async () => {
    const got = await c.conversations.get(answer.conversationId);
    return { done: got.status === "done", value: got };
  });
  assert.equal(conversation.metadata.phoneCall.type, "twilio");
  assert.equal(conversation.metadata.phoneCall.callSid, answer.callSid);
});

test("twilio.outboundCall whose create is answered 503 sends one create and answers the call the look-up found", { skip: skipTwilio }, async () => {
  const c = await ai();
  const to = uniquePhoneNumber();
  await twilio.script({ [to]: { script: "completed", answer: 503 } });

  const answer = await c.twilio.outboundCall({
    agentId: await streamingAgent(), agentPhoneNumberId: await twilioNumber(), toNumber: to,
  });

  assert.equal(answer.success, true, answer.message);
  const creates = (await twilio.log()).requests.filter((r) => r.method === "POST" && r.form?.To?.[0] === to);
  assert.equal(creates.length, 1, "a create answered 503 is never sent again");
  assert.equal(creates[0].status, 503);
  assert.equal(answer.callSid, creates[0].sid, "the call Twilio created, found by the look-up");
});

test("twilio.outboundCall that cannot be placed answers success false with the reason and null ids", { skip: skipTwilio }, async () => {
  const c = await ai();
  // An agent without a media stream: a Twilio call has nowhere to connect it, so nothing is dialed.
  const agent = await c.agents.create({ name: "No stream", conversationConfig: { agent: { firstMessage: "Hello" } } });
  const to = uniquePhoneNumber();

  const answer = await c.twilio.outboundCall({ agentId: agent.agentId, agentPhoneNumberId: await twilioNumber(), toNumber: to });

  assert.equal(answer.success, false);
  assert.match(answer.message, /media_stream_url/);
  assert.equal(answer.callSid, undefined, "callSid is null");
  assert.equal(answer.conversationId, undefined, "no conversation: nothing was dialed");
  const creates = (await twilio.log()).requests.filter((r) => r.method === "POST" && r.form?.To?.[0] === to);
  assert.equal(creates.length, 0);
});

test("twilio.outboundCall when the workspace's limit is full is a 429 in ElevenLabs' error shape", { skip: skipTwilio }, async () => {
  const full = (await newWorkspaceClient("single calls full", 1)).conversationalAi;
  const agent = await full.agents.create(
    { name: "Full", conversationConfig: { agent: { firstMessage: "Hello" } } },
    { additionalBodyParameters: { media_stream_url: MEDIA_STREAM_URL } },
  );
  const number = await full.phoneNumbers.create(
    { provider: "twilio", phoneNumber: uniquePhoneNumber(), label: "Full", sid: ACCOUNT_SID, token: AUTH_TOKEN },
  );
  const held = uniquePhoneNumber();
  await twilio.script({ [held]: "hold" });
  const first = await full.twilio.outboundCall({ agentId: agent.agentId, agentPhoneNumberId: number.phoneNumberId, toNumber: held });
  assert.equal(first.success, true, first.message);

  const error = await expectHttpError(
    full.twilio.outboundCall({ agentId: agent.agentId, agentPhoneNumberId: number.phoneNumberId, toNumber: uniquePhoneNumber() }),
    429,
  );
  assertDetailStatus(error, "concurrency_limit_reached");
  assert.match(error.body.detail.message, /concurrency limit/);
  await twilio.end(first.callSid, "completed");
});

test("twilio.registerCall answers TwiML connecting the call to the agent's stream", { skip: skipTwilio }, async () => {
  const c = await ai();

  const twiml = await c.twilio.registerCall({
    agentId: await streamingAgent(),
    fromNumber: uniquePhoneNumber(),
    toNumber: uniquePhoneNumber(),
    direction: "inbound",
    conversationInitiationClientData: { dynamicVariables: { first_name: "Ada" } },
  });

  assert.equal(typeof twiml, "string");
  assert.ok(twiml.startsWith(`<Response><Connect><Stream url="${MEDIA_STREAM_URL}">`), twiml);
  assert.ok(twiml.includes('<Parameter name="var_first_name" value="Ada"/>'), twiml);
  const conversationId = twiml.match(/name="conversation_id" value="([^"]+)"/)[1];
  const conversation = await c.conversations.get(conversationId);
  assert.equal(conversation.agentId, await streamingAgent());
});

test("sipTrunk.outboundCall on a simulator number answers its call id and a conversation", async () => {
  const c = await ai();
  const number = await createSimulatorNumber(await client(), { label: "single sim" });

  const answer = await c.sipTrunk.outboundCall({
    agentId: await streamingAgent(),
    agentPhoneNumberId: number.phoneNumberId,
    toNumber: uniquePhoneNumber(),
  });

  assert.equal(answer.success, true, answer.message);
  assert.match(answer.sipCallId, /^sim_/);
  const conversation = await c.conversations.get(answer.conversationId);
  assert.equal(conversation.agentId, await streamingAgent());
});

const sippTrunk = process.env.SIPP_TRUNK;
const skipSipp = sippTrunk ? false : "SIPP_TRUNK is not set: conformance/run starts sipp as the trunk when installed";

test("sipTrunk.outboundCall through a real trunk (sipp) answers the INVITE's Call-ID, and a busy trunk ends it busy",
  { skip: skipSipp }, async () => {
  const c = await ai();
  const agent = await c.agents.create(
    { name: "SIP single-call agent", conversationConfig: { agent: { firstMessage: "Hello", language: "en" } } },
    { additionalBodyParameters: { sip_uri: "sip:agent@127.0.0.1:9" } },
  );
  const number = await c.phoneNumbers.create({
    provider: "sip_trunk", phoneNumber: uniquePhoneNumber(), label: "sipp trunk",
    outboundTrunkConfig: { address: sippTrunk, transport: "udp", mediaEncryption: "disabled" },
  });

  const answer = await c.sipTrunk.outboundCall({
    agentId: agent.agentId, agentPhoneNumberId: number.phoneNumberId, toNumber: uniquePhoneNumber(),
  });

  assert.equal(answer.success, true, answer.message);
  assert.ok(answer.sipCallId, "the SIP Call-ID of the INVITE");
  const ended = await pollUntil("the busy call's conversation to end", async () => {
    const conversation = await c.conversations.get(answer.conversationId);
    return { done: Boolean(conversation.metadata.phoneCall?.callResult), value: conversation };
  });
  assert.equal(ended.agentId, agent.agentId);
  assert.equal(ended.metadata.phoneCall.type, "sip_trunking");
  assert.equal(ended.metadata.phoneCall.callSid, answer.sipCallId);
  assert.equal(ended.metadata.phoneCall.callResult, "busy");
});

test("sipTrunk.outboundCall with a Twilio number is refused with a 400 naming both providers", { skip: skipTwilio }, async () => {
  const c = await ai();
  const error = await expectHttpError(c.sipTrunk.outboundCall({
    agentId: await streamingAgent(), agentPhoneNumberId: await twilioNumber(), toNumber: uniquePhoneNumber(),
  }), 400);
  assertDetailStatus(error, "phone_number_provider_mismatch");
});

test("exotel.outboundCall answers the Sid Exotel returned", { skip: skipExotel }, async () => {
  const c = await ai();
  const number = await c.phoneNumbers.create({
    provider: "exotel", phoneNumber: "+918047112299", label: "Exotel single", accountSid: EXOTEL_ACCOUNT,
    apiKey: EXOTEL_KEY, apiToken: EXOTEL_TOKEN, apiSubdomain: "api.in.exotel.com", appId: "4242",
  });
  const customer = `+9198766${String(Math.floor(Math.random() * 100_000)).padStart(5, "0")}`;
  await exotel.script({ [customer]: "completed" });

  const answer = await c.exotel.outboundCall({
    agentId: await streamingAgent(), agentPhoneNumberId: number.phoneNumberId, toNumber: customer,
  });

  assert.equal(answer.success, true, answer.message);
  const connects = (await exotel.log()).requests.filter((r) => r.method === "POST" && r.form?.From === customer);
  assert.equal(connects.length, 1, "exactly one Calls/connect");
  assert.equal(answer.callSid, connects[0].sid);
  const conversation = await c.conversations.get(answer.conversationId);
  assert.equal(conversation.metadata.phoneCall.type, "exotel");
});
