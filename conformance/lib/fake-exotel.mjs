// A fake Exotel for the SDK conformance suite: the part of Exotel's Voice v1 API batchcall uses (Calls/connect,
// call details) plus Exotel's side of the status callbacks, on plain node:http on 127.0.0.1. Not a test file.
//
// `conformance/run` starts it as its own process before the server (`node lib/fake-exotel.mjs`, port 0, the port
// printed as "fake-exotel started port=N"), so that BATCHCALL_EXOTEL_API_BASE is known when the server starts.
// Tests drive it through a control API under /_fake/, which Exotel's API does not have:
//
//   POST /_fake/scripts  {"+919876500001": "busy", ...}  what happens to a call to that customer (completed,
//                        busy, no-answer, failed, machine); a customer without a script completes
//   GET  /_fake/log      {requests: [...], callbacks: [...]}  everything received and sent, oldest first
//
// Exotel's side: POST /v1/Accounts/{sid}/Calls/connect.json (basic auth api_key:api_token) is answered 200 with
// {"Call":{"Sid",...}}; Exotel dials From (the customer) first. Then, as Exotel would, the fake POSTs unsigned
// form callbacks to the request's StatusCallback URL: EventType=answered for an answered call, then
// EventType=terminal with Status, CustomField echoed and Legs[0][AnsweredBy] (HUMAN, NA, or MACHINE for the
// machine script). GET .../Calls/{Sid}.json answers with what the fake knows.
import http from "node:http";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";

export const ACCOUNT_SID = "conformance1";
export const API_KEY = "conformance-exotel-key";
export const API_TOKEN = "conformance-exotel-token";
/** The pause before each callback, so that the server has stored the connect's answer. */
const CALLBACK_GAP_MS = 40;
const SCRIPTS = ["completed", "busy", "no-answer", "failed", "machine"];

export async function startFakeExotel({ port = 0 } = {}) {
  const requests = []; // {method, path, query, form, authorized, status, sid}
  const callbacks = []; // {sid, from, url, params, status, error}
  const scripts = new Map(); // customer -> script
  const calls = new Map(); // Sid -> call
  const callsPath = `/v1/Accounts/${ACCOUNT_SID}/Calls`;
  const basic = "Basic " + Buffer.from(`${API_KEY}:${API_TOKEN}`).toString("base64");

  async function callback(call, params) {
    await sleep(CALLBACK_GAP_MS);
    const sent = { sid: call.Sid, from: call.From, url: call.statusCallback, params, status: 0, error: null };
    callbacks.push(sent);
    try {
      const response = await fetch(call.statusCallback, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(15_000),
      });
      sent.status = response.status;
      await response.arrayBuffer();
    } catch (error) {
      sent.error = String(error);
    }
  }

  async function play(call, script) {
    const answered = script === "completed" || script === "machine";
    if (answered) {
      call.Status = "in-progress";
      await callback(call, { CallSid: call.Sid, EventType: "answered", Status: "in-progress", From: call.From });
    }
    call.Status = answered ? "completed" : script;
    call.AnsweredBy = script === "machine" ? "MACHINE" : answered ? "HUMAN" : "NA";
    await callback(call, {
      CallSid: call.Sid, EventType: "terminal", Status: call.Status, From: call.From, To: call.CallerId,
      CustomField: call.customField, DateCreated: call.DateCreated, "Legs[0][AnsweredBy]": call.AnsweredBy,
    });
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    let body = "";
    for await (const chunk of req) body += chunk;
    const send = (status, json) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(json));
    };
    if (url.pathname === "/_fake/scripts" && req.method === "POST") {
      for (const [customer, script] of Object.entries(JSON.parse(body))) {
        if (!SCRIPTS.includes(script)) return send(400, { error: `unknown script ${script}` });
        scripts.set(customer, script);
      }
      return send(200, {});
    }
    if (url.pathname === "/_fake/log") return send(200, { requests, callbacks });

    const form = Object.fromEntries(new URLSearchParams(body));
    const entry = { method: req.method, path: url.pathname, query: url.search, form,
      authorized: req.headers.authorization === basic, status: 0, sid: null };
    requests.push(entry);
    const answer = (status, json) => { entry.status = status; send(status, json); };
    if (!entry.authorized) {
      return answer(401, { RestException: { Status: 401, Message: "Authentication is required" } });
    }
    if (req.method === "POST" && url.pathname === `${callsPath}/connect.json`) {
      const call = { Sid: randomBytes(16).toString("hex"), From: form.From, CallerId: form.CallerId,
        Status: "in-progress", DateCreated: new Date().toISOString().replace("T", " ").slice(0, 19),
        AnsweredBy: null, statusCallback: form.StatusCallback, customField: form.CustomField ?? "" };
      calls.set(call.Sid, call);
      entry.sid = call.Sid;
      answer(200, { Call: { Sid: call.Sid, AccountSid: ACCOUNT_SID, From: call.From, To: call.CallerId,
        Status: call.Status, Direction: "outbound-api", DateCreated: call.DateCreated } });
      play(call, scripts.get(call.From) ?? "completed");
      return;
    }
    const details = url.pathname.match(new RegExp(`^${callsPath}/([^/]+)\\.json$`));
    if (req.method === "GET" && details && calls.has(details[1])) {
      const call = calls.get(details[1]);
      return answer(200, { Call: { Sid: call.Sid, Status: call.Status, AnsweredBy: call.AnsweredBy,
        From: call.From, DateCreated: call.DateCreated } });
    }
    return answer(404, { RestException: { Status: 404, Message: "Not found" } });
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const actualPort = server.address().port;
  return {
    port: actualPort,
    url: `http://127.0.0.1:${actualPort}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** The tests' handle on a running fake: its control API. */
export class FakeExotelControl {
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
    if (!response.ok) throw new Error(`fake Exotel ${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text);
  }

  /** Sets what happens to calls to each customer: {From: script}. */
  script(scripts) {
    return this.#request("POST", "/_fake/scripts", scripts);
  }

  /** {requests, callbacks}: everything the fake received and sent so far. */
  log() {
    return this.#request("GET", "/_fake/log");
  }
}

// Run on its own (by conformance/run): listen until SIGTERM/SIGINT.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const fake = await startFakeExotel({ port: Number(process.env.FAKE_EXOTEL_PORT ?? 0) });
  console.log(`fake-exotel started port=${fake.port}`);
  const stop = () => fake.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
