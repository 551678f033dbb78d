// A fake Twilio for the SDK conformance suite: the part of Twilio's REST API batchcall uses (the Calls resource)
// plus Twilio's side of the status callbacks, on plain node:http on 127.0.0.1. Not a test file.
//
// `conformance/run` starts it as its own process before the server (`node lib/fake-twilio.mjs`, port 0, the port
// printed as "fake-twilio started port=N"), so that BATCHCALL_TWILIO_API_BASE is known when the server starts.
// Tests drive it through a control API under /_fake/, which Twilio's API does not have:
//
//   POST /_fake/scripts          {"+14155550100": "busy", ...}  what happens to a call to that number; or
//                                {"+14155550101": {"script": "completed", "answer": 503}}: the call is created
//                                and played, but the create is answered 503 (an answer that hides a call)
//   GET  /_fake/log              {requests: [...], callbacks: [...]}  everything received and sent, oldest first
//   POST /_fake/calls/{sid}/end  {"outcome": "completed"}  ends a call scripted "hold"
//
// Twilio's side: POST .../Accounts/{sid}/Calls.json (basic auth sid:token) is answered 201 with the call, as
// Twilio does; then, as Twilio would, the fake POSTs status callbacks to the request's StatusCallback URL, one
// after another, with increasing SequenceNumber, each signed with X-Twilio-Signature (base64 HMAC-SHA1 of the URL
// followed by every parameter's name and value, sorted by name, keyed by the auth token):
//   initiated, ringing, then by the To number's script:
//   completed  in-progress, completed (CallDuration, SipResponseCode 200); a recorded call (Record=true) then
//              gets its recording callback, and its MP3 is served at GET .../Recordings/{RecordingSid}.mp3
//   busy       busy (SipResponseCode 486)
//   no-answer  no-answer (SipResponseCode 487)
//   failed     failed (SipResponseCode 404)
//   machine    in-progress, completed with AnsweredBy=machine_start
//   amd-machine in-progress, the asynchronous detection result (AnsweredBy=machine_end_beep, no CallStatus) to the
//              AsyncAmdStatusCallback URL, then completed without AnsweredBy, as Twilio's AsyncAmd sends them
//   hold       nothing more until /_fake/calls/{sid}/end, a cancel or a hang-up
// A number without a script gets no callbacks at all (its call stays queued).
// POST .../Calls/{sid}.json with Status=canceled (a queued or ringing call) or Status=completed (any live call)
// ends the call and sends its final callback, as Twilio does; GET .../Calls/{sid}.json and GET .../Calls.json
// (filtered by To, From and Status) answer with what the fake knows, for the server's reconciliation.
import http from "node:http";
import { createHmac, randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";

export const ACCOUNT_SID = "AC0000000000000000000000000c0f0a";
export const AUTH_TOKEN = "conformance-twilio-auth-token";
const API_VERSION = "2010-04-01";
/** The pause before each callback, so that the server has stored the create's answer as a real Twilio allows. */
const CALLBACK_GAP_MS = 40;
const SCRIPTS = ["completed", "busy", "no-answer", "failed", "machine", "amd-machine", "hold"];
const LIVE = new Set(["queued", "initiated", "ringing", "in-progress"]);

/** Twilio's request signature: base64(HMAC-SHA1(authToken, url + name1 + value1 + name2 + value2 ...)), by name. */
export function sign(url, params, authToken) {
  const data = url + Object.keys(params).sort().map((name) => name + params[name]).join("");
  return createHmac("sha1", authToken).update(data, "utf8").digest("base64");
}

/** Starts the fake on 127.0.0.1 (port 0: any free port). Resolves once it listens. */
export async function startFakeTwilio({ port = 0 } = {}) {
  const requests = []; // every request to Twilio's API: {method, path, query, form, authorized, status, sid}
  const callbacks = []; // every callback sent: {sid, to, url, params, status, error}
  const scripts = new Map(); // To -> {script, answer}
  const calls = new Map(); // sid -> call
  const recordings = new Map(); // RecordingSid -> CallSid, for recorded calls that completed
  let sequence = 0;

  const callsPath = `/${API_VERSION}/Accounts/${ACCOUNT_SID}/Calls`;

  function callJson(call) {
    return {
      sid: call.sid,
      account_sid: ACCOUNT_SID,
      api_version: API_VERSION,
      status: call.status,
      direction: "outbound-api",
      to: call.to,
      to_formatted: call.to,
      from: call.from,
      from_formatted: call.from,
      date_created: call.created.toUTCString(),
      date_updated: new Date().toUTCString(),
      start_time: call.answered ? call.answered.toUTCString() : null,
      end_time: call.ended ? call.ended.toUTCString() : null,
      duration: call.answered && call.ended ? String(Math.round((call.ended - call.answered) / 1000)) : null,
      answered_by: call.answeredBy,
      price: null,
      price_unit: "USD",
      caller_name: null,
      forwarded_from: null,
      group_sid: null,
      parent_call_sid: null,
      phone_number_sid: null,
      trunk_sid: null,
      queue_time: "0",
      uri: `${callsPath}/${call.sid}.json`,
      subresource_uris: {},
    };
  }

  /** Sends one signed status callback for the call and records the server's answer. */
  async function callback(call, callStatus, extra = {}) {
    await sleep(CALLBACK_GAP_MS);
    const params = {
      AccountSid: ACCOUNT_SID,
      ApiVersion: API_VERSION,
      CallSid: call.sid,
      CallStatus: callStatus,
      CallbackSource: "call-progress-events",
      Called: call.to,
      Caller: call.from,
      Direction: "outbound-api",
      From: call.from,
      To: call.to,
      SequenceNumber: String(call.sequence++),
      Timestamp: new Date().toUTCString(),
      ...extra,
    };
    const sent = { sid: call.sid, to: call.to, url: call.statusCallback, params, status: 0, error: null };
    callbacks.push(sent);
    try {
      const response = await fetch(call.statusCallback, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-twilio-signature": sign(call.statusCallback, params, AUTH_TOKEN),
        },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(15_000),
      });
      sent.status = response.status;
      await response.arrayBuffer();
    } catch (error) {
      sent.error = String(error);
    }
  }

  /**
   * A recorded call's recording status callback, as Twilio sends it once the recording is stored: to the create's
   * RecordingStatusCallback, signed like the status callbacks. The MP3 is then served at Recordings/{sid}.mp3.
   */
  async function recorded(call) {
    const recordingSid = "RE" + randomBytes(16).toString("hex");
    recordings.set(recordingSid, call.sid);
    const params = {
      AccountSid: ACCOUNT_SID,
      CallSid: call.sid,
      RecordingSid: recordingSid,
      RecordingUrl: `https://api.twilio.com/${API_VERSION}/Accounts/${ACCOUNT_SID}/Recordings/${recordingSid}`,
      RecordingStatus: "completed",
      RecordingDuration: "1",
      RecordingChannels: "1",
      RecordingSource: "OutboundAPI",
    };
    const sent = { sid: call.sid, to: call.to, url: call.recordingCallback, params, status: 0, error: null };
    callbacks.push(sent);
    try {
      const response = await fetch(call.recordingCallback, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-twilio-signature": sign(call.recordingCallback, params, AUTH_TOKEN),
        },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(15_000),
      });
      sent.status = response.status;
      await response.arrayBuffer();
    } catch (error) {
      sent.error = String(error);
    }
  }

  /** Twilio's AsyncAmdStatusCallback: the detection result alone, signed like every callback. */
  async function amdResult(call, answeredBy) {
    await sleep(CALLBACK_GAP_MS);
    const params = { AccountSid: ACCOUNT_SID, CallSid: call.sid, AnsweredBy: answeredBy, MachineDetectionDuration: "2300" };
    const sent = { sid: call.sid, to: call.to, url: call.amdCallback, params, status: 0, error: null };
    callbacks.push(sent);
    if (!call.amdCallback) {
      sent.error = "the create asked for no AsyncAmdStatusCallback";
      return;
    }
    try {
      const response = await fetch(call.amdCallback, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-twilio-signature": sign(call.amdCallback, params, AUTH_TOKEN),
        },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(15_000),
      });
      sent.status = response.status;
      await response.arrayBuffer();
    } catch (error) {
      sent.error = String(error);
    }
  }

  function end(call, status, extra = {}) {
    call.status = status;
    call.ended = new Date();
    if (extra.AnsweredBy) call.answeredBy = extra.AnsweredBy;
    return callback(call, status, { CallDuration: String(call.answered ? Math.round((call.ended - call.answered) / 1000) : 0), ...extra });
  }

  function answer(call) {
    call.status = "in-progress";
    call.answered = new Date();
    return callback(call, "in-progress");
  }

  /** The rest of a call after ringing, as its script says. */
  async function finish(call, script) {
    switch (script) {
      case "completed":
        await answer(call);
        await end(call, "completed", { SipResponseCode: "200" });
        if (call.recordingCallback) await recorded(call);
        return;
      case "machine":
        await answer(call);
        return end(call, "completed", { SipResponseCode: "200", AnsweredBy: "machine_start" });
      case "amd-machine":
        await answer(call);
        await amdResult(call, "machine_end_beep");
        return end(call, "completed", { SipResponseCode: "200" });
      case "busy":
        return end(call, "busy", { SipResponseCode: "486" });
      case "no-answer":
        return end(call, "no-answer", { SipResponseCode: "487" });
      case "failed":
        return end(call, "failed", { SipResponseCode: "404" });
      default:
        throw new Error(`unknown script ${script}`);
    }
  }

  /** Serializes everything that happens to one call, so that its callbacks go out in order. */
  function enqueue(call, step) {
    call.queue = call.queue.then(step).catch((error) => {
      callbacks.push({ sid: call.sid, to: call.to, url: call.statusCallback, params: {}, status: 0, error: String(error) });
    });
    return call.queue;
  }

  async function play(call, script) {
    call.status = "initiated";
    await callback(call, "initiated");
    if (!LIVE.has(call.status)) return; // cancelled meanwhile
    call.status = "ringing";
    await callback(call, "ringing");
    if (script !== "hold" && LIVE.has(call.status)) await finish(call, script);
  }

  function authorized(req) {
    const expected = "Basic " + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString("base64");
    return req.headers.authorization === expected;
  }

  function send(res, status, body) {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  }

  const twilioError = (status, code, message) => ({
    code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status,
  });

  /** Form fields, repeated ones kept as lists. */
  function formOf(body) {
    const form = {};
    for (const [name, value] of new URLSearchParams(body)) (form[name] ??= []).push(value);
    return form;
  }
  const first = (form, name) => form[name]?.[0];

  function createCall(form, res, record) {
    const to = first(form, "To");
    const from = first(form, "From");
    const statusCallback = first(form, "StatusCallback");
    if (!to || !from || (!first(form, "Twiml") && !first(form, "Url"))) {
      return send(res, 400, twilioError(400, 21201, "To, From and Url or Twiml are required"));
    }
    const call = {
      sid: "CA" + randomBytes(16).toString("hex"),
      to, from, statusCallback, status: "queued", created: new Date(), answered: null, ended: null,
      answeredBy: null, sequence: 0, queue: Promise.resolve(), number: ++sequence,
      recordingCallback: first(form, "Record") === "true" ? first(form, "RecordingStatusCallback") : undefined,
      amdCallback: first(form, "AsyncAmd") === "true" ? first(form, "AsyncAmdStatusCallback") : null,
    };
    calls.set(call.sid, call);
    record.sid = call.sid;
    const { script, answer = 201 } = scripts.get(to) ?? {};
    // Like Twilio, the callbacks start after the answer has gone out.
    res.on("finish", () => {
      if (script && statusCallback) enqueue(call, () => play(call, script));
    });
    if (answer === 201) send(res, 201, callJson(call));
    else send(res, answer, twilioError(answer, 20000 + answer, "Service Unavailable"));
  }

  function updateCall(call, form, res) {
    const status = first(form, "Status");
    if (status !== "canceled" && status !== "completed") {
      return send(res, 400, twilioError(400, 21218, `Status must be canceled or completed, not ${status}`));
    }
    // canceled only affects a call that is not yet answered; completed hangs up any live call.
    const affects = status === "canceled" ? ["queued", "initiated", "ringing"].includes(call.status) : LIVE.has(call.status);
    if (affects) {
      call.status = status; // at once, so that a script still playing stops
      enqueue(call, () => end(call, status, status === "canceled" ? { SipResponseCode: "487" } : {}));
    }
    send(res, 200, callJson(call));
  }

  function listCalls(query, res) {
    const matches = [...calls.values()]
      .filter((call) => !query.get("To") || call.to === query.get("To"))
      .filter((call) => !query.get("From") || call.from === query.get("From"))
      .filter((call) => !query.get("Status") || call.status === query.get("Status"))
      .sort((a, b) => b.number - a.number);
    send(res, 200, {
      calls: matches.map(callJson), page: 0, page_size: matches.length, start: 0, end: Math.max(matches.length - 1, 0),
      first_page_uri: `${callsPath}.json`, next_page_uri: null, previous_page_uri: null, uri: `${callsPath}.json`,
    });
  }

  async function control(req, res, url, body) {
    if (req.method === "POST" && url.pathname === "/_fake/scripts") {
      for (const [to, value] of Object.entries(JSON.parse(body))) {
        const script = typeof value === "string" ? { script: value } : value;
        if (!SCRIPTS.includes(script.script)) return send(res, 400, { error: `unknown script ${script.script}` });
        scripts.set(to, script);
      }
      return send(res, 200, Object.fromEntries(scripts));
    }
    if (req.method === "GET" && url.pathname === "/_fake/log") {
      return send(res, 200, { requests, callbacks });
    }
    const ending = url.pathname.match(/^\/_fake\/calls\/([^/]+)\/end$/);
    if (req.method === "POST" && ending) {
      const call = calls.get(ending[1]);
      const { outcome } = JSON.parse(body);
      if (!call) return send(res, 404, { error: "no such call" });
      if (!SCRIPTS.includes(outcome) || outcome === "hold") return send(res, 400, { error: `bad outcome ${outcome}` });
      await enqueue(call, () => (LIVE.has(call.status) ? finish(call, outcome) : undefined));
      return send(res, 200, callJson(call));
    }
    return send(res, 404, { error: "unknown control request" });
  }

  async function handle(req, res) {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url, "http://127.0.0.1");
    if (url.pathname.startsWith("/_fake/")) return control(req, res, url, body);

    const form = req.method === "POST" ? formOf(body) : {};
    const record = {
      method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), form,
      authorized: authorized(req), status: 0, sid: null,
    };
    requests.push(record);
    res.on("finish", () => { record.status = res.statusCode; });

    if (!url.pathname.startsWith(`/${API_VERSION}/Accounts/`)) {
      return send(res, 404, twilioError(404, 20404, "The requested resource was not found"));
    }
    const recording = url.pathname.match(new RegExp(`^/${API_VERSION}/Accounts/${ACCOUNT_SID}/Recordings/(RE[0-9a-f]{32})\\.mp3$`));
    if (recording && req.method === "GET" && record.authorized) {
      if (!recordings.has(recording[1])) return send(res, 404, twilioError(404, 20404, "The requested resource was not found"));
      res.writeHead(200, { "content-type": "audio/mpeg" });
      return res.end(Buffer.from(`ID3 fake recording of ${recordings.get(recording[1])}`));
    }
    if (!record.authorized || !url.pathname.startsWith(callsPath)) {
      return send(res, 401, twilioError(401, 20003, "Authenticate"));
    }
    if (url.pathname === `${callsPath}.json`) {
      if (req.method === "POST") return createCall(form, res, record);
      if (req.method === "GET") return listCalls(url.searchParams, res);
    }
    const one = url.pathname.slice(callsPath.length).match(/^\/(CA[0-9a-f]{32})\.json$/);
    if (one && (req.method === "GET" || req.method === "POST")) {
      const call = calls.get(one[1]);
      record.sid = one[1];
      if (!call) return send(res, 404, twilioError(404, 20404, `The requested resource ${url.pathname} was not found`));
      return req.method === "GET" ? send(res, 200, callJson(call)) : updateCall(call, form, res);
    }
    return send(res, 405, twilioError(405, 20004, "Method not allowed"));
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) send(res, 500, twilioError(500, 20500, String(error)));
      else res.destroy();
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const actualPort = server.address().port;
  return {
    port: actualPort,
    url: `http://127.0.0.1:${actualPort}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** The tests' handle on a running fake: its control API. */
export class FakeTwilioControl {
  constructor(url) {
    this.url = url.replace(/\/+$/, "");
  }

  async #request(method, path, body) {
    const response = await fetch(this.url + path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`fake Twilio ${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text);
  }

  /** Sets what happens to calls to each number: {To: script}. */
  script(scripts) {
    return this.#request("POST", "/_fake/scripts", scripts);
  }

  /** {requests, callbacks}: everything the fake received and sent so far. */
  log() {
    return this.#request("GET", "/_fake/log");
  }

  /** Ends a held call with an outcome, after its callbacks have gone out. */
  end(sid, outcome) {
    return this.#request("POST", `/_fake/calls/${sid}/end`, { outcome });
  }
}

// Run on its own (by conformance/run): listen until SIGTERM/SIGINT.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const fake = await startFakeTwilio({ port: Number(process.env.FAKE_TWILIO_PORT ?? 0) });
  console.log(`fake-twilio started port=${fake.port}`);
  const stop = () => fake.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
