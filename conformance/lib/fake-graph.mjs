// A fake of Meta's Graph API for WhatsApp calling, for the SDK conformance suite: the endpoints batchcall uses
// (call_permissions, messages with a permission-request template, calls connect and terminate) plus Meta's side
// of the webhooks, signed as Meta signs them. Plain node:http on 127.0.0.1. Not a test file.
//
// `conformance/run` starts it as its own process before the server (`node lib/fake-graph.mjs`, port 0, the port
// printed as "fake-graph started port=N"), so that BATCHCALL_WHATSAPP_GRAPH_URL is known when the server starts.
// Tests drive it through a control API under /_fake/, which Graph does not have:
//
//   POST /_fake/accounts {"phone_number_id", "access_token", "app_secret", "webhook_url"}  a business number: the
//                        token its requests must carry, and where and with which secret its webhooks are signed
//   POST /_fake/scripts  {"4915112345678": "granted", ...}  what each WhatsApp user does (see SCRIPTS)
//   GET  /_fake/log      {requests: [...], webhooks: [...]}  everything received and sent, oldest first
//
// Signalling only: the fake answers no media (it sends no `connect` with an SDP answer), so an answered call is
// the ACCEPTED status followed by a terminate that carries a duration, which is how Meta reports a call that was
// picked up. Media through the bridge is tested in Java (WhatsApp media tests), where SRTP peers are at hand.
import http from "node:http";
import { createHmac, randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";

/**
 * granted: a permanent permission; the call is answered and lasts 7 s.
 * ask: no permission until the template is sent; the user then accepts (a 7-day grant) and answers.
 * decline: no permission; the user declines the template's request.
 * no-answer: a permanent permission; the phone rings and nobody picks up.
 * busy: a permanent permission; the user rejects the call.
 */
const SCRIPTS = ["granted", "ask", "decline", "no-answer", "busy"];
/** The pause before each webhook, so that the server has stored what the request before it answered. */
const WEBHOOK_GAP_MS = 40;

export async function startFakeGraph({ port = 0 } = {}) {
  const requests = []; // {method, path, query, body, authorized, status}
  const webhooks = []; // {phoneNumberId, kind, payload, status, error}
  const accounts = new Map(); // phone_number_id -> {access_token, app_secret, webhook_url}
  const scripts = new Map(); // user -> script
  const permissions = new Map(); // `${pnid}:${user}` -> "no_permission" | "temporary" | "permanent" | "declined"

  const permissionOf = (pnid, user) => {
    const key = `${pnid}:${user}`;
    if (!permissions.has(key)) {
      const script = scripts.get(user) ?? "granted";
      permissions.set(key, script === "ask" || script === "decline" ? "no_permission" : "permanent");
    }
    return permissions.get(key);
  };

  async function webhook(account, kind, value) {
    await sleep(WEBHOOK_GAP_MS);
    const payload = {
      object: "whatsapp_business_account",
      entry: [{ id: "102290129340398", changes: [{ field: kind, value: {
        messaging_product: "whatsapp",
        metadata: { display_phone_number: "14155550123", phone_number_id: account.phone_number_id },
        ...value,
      } }] }],
    };
    // Meta signs the raw bytes it sends; this body is sent exactly as signed.
    const body = JSON.stringify(payload);
    const signature = "sha256=" + createHmac("sha256", account.app_secret).update(body).digest("hex");
    const sent = { phoneNumberId: account.phone_number_id, kind, payload, status: 0, error: null };
    webhooks.push(sent);
    try {
      const response = await fetch(account.webhook_url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": signature },
        body,
        signal: AbortSignal.timeout(15_000),
      });
      sent.status = response.status;
      await response.arrayBuffer();
    } catch (error) {
      sent.error = String(error);
    }
  }

  const now = () => String(Math.floor(Date.now() / 1000));

  async function answerPermission(account, user, requestId) {
    const accepted = (scripts.get(user) ?? "granted") !== "decline";
    permissions.set(`${account.phone_number_id}:${user}`, accepted ? "temporary" : "declined");
    const reply = { response: accepted ? "accept" : "reject", is_permanent: false, response_source: "user_action" };
    if (accepted) reply.expiration_timestamp = String(Math.floor(Date.now() / 1000) + 7 * 86_400);
    await webhook(account, "messages", {
      contacts: [{ profile: { name: "Conformance user" }, wa_id: user }],
      messages: [{ from: user, id: `wamid.${randomBytes(12).toString("hex")}`, timestamp: now(),
        context: { from: "14155550123", id: requestId }, type: "interactive",
        interactive: { type: "call_permission_reply", call_permission_reply: reply } }],
    });
  }

  async function play(account, call) {
    const script = scripts.get(call.to) ?? "granted";
    const status = (s) => webhook(account, "calls", { statuses: [{ id: call.id, type: "call", status: s,
      timestamp: now(), recipient_id: call.to, biz_opaque_callback_data: call.opaque }] });
    const terminate = (extra) => webhook(account, "calls", { calls: [{ id: call.id, to: call.to,
      from: "14155550123", event: "terminate", direction: "BUSINESS_INITIATED", timestamp: now(),
      biz_opaque_callback_data: call.opaque, status: "COMPLETED", ...extra }] });
    await status("RINGING");
    if (script === "busy") {
      await status("REJECTED");
      await terminate({});
    } else if (script === "no-answer") {
      await terminate({});
    } else {
      const start = Math.floor(Date.now() / 1000);
      await status("ACCEPTED");
      await terminate({ start_time: String(start), end_time: String(start + 7), duration: 7 });
    }
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    let text = "";
    for await (const chunk of req) text += chunk;
    const send = (status, json) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(json));
    };
    if (url.pathname === "/_fake/accounts" && req.method === "POST") {
      const account = JSON.parse(text);
      accounts.set(account.phone_number_id, account);
      return send(200, {});
    }
    if (url.pathname === "/_fake/scripts" && req.method === "POST") {
      for (const [user, script] of Object.entries(JSON.parse(text))) {
        if (!SCRIPTS.includes(script)) return send(400, { error: `unknown script ${script}` });
        scripts.set(user, script);
      }
      return send(200, {});
    }
    if (url.pathname === "/_fake/log") return send(200, { requests, webhooks });

    const match = url.pathname.match(/^\/v[0-9.]+\/([^/]+)\/(call_permissions|messages|calls)$/);
    const account = match ? accounts.get(match[1]) : undefined;
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    const entry = { method: req.method, path: url.pathname, query: url.search, body,
      authorized: account !== undefined && req.headers.authorization === `Bearer ${account.access_token}`, status: 0 };
    requests.push(entry);
    const answer = (status, json) => { entry.status = status; send(status, json); };
    const error = (status, code, message) =>
      answer(status, { error: { message, type: "OAuthException", code, fbtrace_id: "conformance" } });
    if (!match || !account) return error(404, 100, "Unsupported request: unknown object");
    if (!entry.authorized) return error(401, 190, "Invalid OAuth access token");

    const pnid = match[1];
    if (match[2] === "call_permissions" && req.method === "GET") {
      const user = url.searchParams.get("user_wa_id");
      const permission = permissionOf(pnid, user);
      const granted = permission === "temporary" || permission === "permanent";
      const status = granted ? permission : "no_permission";
      return answer(200, {
        messaging_product: "whatsapp",
        permission: permission === "temporary"
          ? { status, expiration_time: Math.floor(Date.now() / 1000) + 7 * 86_400 }
          : { status },
        actions: [
          { action_name: "send_call_permission_request", can_perform_action: permission === "no_permission",
            limits: [{ time_period: "PT24H", max_allowed: 1, current_usage: permission === "no_permission" ? 0 : 1 }] },
          { action_name: "start_call", can_perform_action: granted,
            limits: [{ time_period: "PT24H", max_allowed: 100, current_usage: 0 }] },
        ],
      });
    }
    if (match[2] === "messages" && req.method === "POST") {
      if (body?.type !== "template" || !body?.template?.name || !body?.template?.language?.code) {
        return error(400, 100, "(#100) Invalid parameter: a template message needs template.name and language.code");
      }
      const id = `wamid.${randomBytes(12).toString("hex")}`;
      answer(200, { messaging_product: "whatsapp", contacts: [{ input: body.to, wa_id: body.to }],
        messages: [{ id }] });
      answerPermission(account, body.to, id);
      return;
    }
    if (match[2] === "calls" && req.method === "POST") {
      if (body?.action === "terminate") return answer(200, { messaging_product: "whatsapp", success: true });
      if (body?.action !== "connect") return error(400, 100, "(#100) Invalid parameter: action");
      const permission = permissionOf(pnid, body.to);
      if (permission !== "temporary" && permission !== "permanent") {
        return error(401, 138006, "No approved call permission from the recipient");
      }
      if (body?.session?.sdp_type !== "offer" || !String(body?.session?.sdp ?? "").includes("\r\n")) {
        return error(400, 100, "(#100) Invalid parameter: session.sdp must be an SDP offer with CRLF line ends");
      }
      const call = { id: `wacid.${randomBytes(12).toString("hex")}`, to: body.to, opaque: body.biz_opaque_callback_data };
      answer(200, { messaging_product: "whatsapp", calls: [{ id: call.id }] });
      play(account, call);
      return;
    }
    return error(404, 100, "Unsupported request");
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
export class FakeGraphControl {
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
    if (!response.ok) throw new Error(`fake Graph ${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text);
  }

  /** Registers a business number: {phone_number_id, access_token, app_secret, webhook_url}. */
  account(account) {
    return this.#request("POST", "/_fake/accounts", account);
  }

  /** Sets what each WhatsApp user does: {user: script}. */
  script(scripts) {
    return this.#request("POST", "/_fake/scripts", scripts);
  }

  /** {requests, webhooks}: everything the fake received and sent so far. */
  log() {
    return this.#request("GET", "/_fake/log");
  }
}

// Run on its own (by conformance/run): listen until SIGTERM/SIGINT.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const fake = await startFakeGraph({ port: Number(process.env.FAKE_GRAPH_PORT ?? 0) });
  console.log(`fake-graph started port=${fake.port}`);
  const stop = () => fake.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
