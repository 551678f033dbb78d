package io.batchcall;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.batchcall.api.Json;
import io.batchcall.support.ApiClient;
import io.batchcall.support.Await;
import io.batchcall.support.JarNode;
import io.batchcall.support.TestAgent;
import io.batchcall.support.TestDatabase;
import io.batchcall.support.TestServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * Issue 12's first "Done when", against the built jar: a 50-recipient simulator batch with every outcome, a voice
 * agent (support/TestAgent) on the agent's media stream that reports an analysis, and one webhook on loopback that
 * takes every event ({@code "*"}) and is also the convai settings' post-call webhook. Every request the receiver gets
 * is checked by two verifiers written here from the published algorithms (ElevenLabs' {@code constructEvent} and
 * Standard Webhooks), independent of the signer.
 */
class EventsDoneWhenIT {
    private static final String KEY = "bc_events_done_when_test_key_01";
    private static final List<String> OUTCOMES = List.of("completed", "voicemail", "busy", "no_answer", "failed");
    private static final int RECIPIENTS = 50;

    /** One request as the receiver got it, with its place in the order of arrival. */
    private record Received(
            long arrival,
            Map<String, String> headers,
            String body,
            JsonNode event,
            boolean elevenLabsVerified,
            boolean standardVerified) {
        String eventId() {
            return event.path("event_id").asText();
        }

        String type() {
            return event.path("type").asText();
        }
    }

    @Test
    void a_mixed_batch_delivers_one_signed_el_event_per_call_batch_completed_last_and_the_agents_analysis_everywhere()
            throws Exception {
        long started = System.nanoTime();
        var received = new CopyOnWriteArrayList<Received>();
        var arrivals = new AtomicLong();
        var secret = new AtomicReference<String>();
        var receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        receiver.createContext("/", exchange -> {
            var body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            long arrival = arrivals.incrementAndGet();
            var headers = new HashMap<String, String>();
            for (var name : List.of(
                    "ElevenLabs-Signature",
                    "webhook-id",
                    "webhook-timestamp",
                    "webhook-signature",
                    "Batchcall-Sequence",
                    "Batchcall-Event-Type")) {
                headers.put(name, exchange.getRequestHeaders().getFirst(name));
            }
            long now = System.currentTimeMillis() / 1000;
            JsonNode event;
            try {
                event = Json.MAPPER.readTree(body);
            } catch (Exception e) {
                event = Json.MAPPER.createObjectNode();
            }
            received.add(new Received(
                    arrival,
                    headers,
                    body,
                    event,
                    elevenLabsAccepts(headers.get("ElevenLabs-Signature"), body, secret.get(), now),
                    standardWebhooksAccepts(
                            headers.get("webhook-id"),
                            headers.get("webhook-timestamp"),
                            headers.get("webhook-signature"),
                            body,
                            secret.get(),
                            now)));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
        var env = new HashMap<String, String>();
        env.put("BATCHCALL_DATABASE_URL", TestDatabase.freshDatabaseUrl());
        env.put("BATCHCALL_DATABASE_USER", "postgres");
        env.put("BATCHCALL_API_KEY", KEY);
        env.put("BATCHCALL_DATA_DIR", TestServer.tempDirectory().toString());
        // The receiver and the agent listen on loopback.
        env.put("BATCHCALL_ALLOW_PRIVATE_NETWORKS", "true");
        env.put("BATCHCALL_POST_CALL_WAIT_SECS", "5");
        env.put("BATCHCALL_WEBHOOK_POLL_MS", "200");
        try (var node = JarNode.start(env, Duration.ofSeconds(60));
                // No BATCHCALL_PUBLIC_URL: the agent's URL comes as a path and the agent prepends our address.
                var agent = TestAgent.start("http://127.0.0.1:" + node.port())) {
            var api = ApiClient.withKey(node.port(), KEY);
            var created = api.post(
                    "/v1/workspace/webhooks",
                    "{\"settings\":{\"auth_type\":\"hmac\",\"name\":\"all\","
                            + "\"webhook_url\":\"http://127.0.0.1:"
                            + receiver.getAddress().getPort() + "/hook\","
                            + "\"event_types\":[\"*\"]}}");
            assertThat(created.status()).as(created.toString()).isEqualTo(200);
            var webhook = created.json().get("webhook_id").asText();
            secret.set(created.json().get("webhook_secret").asText());
            assertThat(secret.get()).startsWith("whsec_");
            var settings = api.patch(
                    "/v1/convai/settings",
                    "{\"webhooks\":{\"post_call_webhook_id\":\"" + webhook
                            + "\",\"events\":[\"transcript\",\"call_initiation_failure\"]}}");
            assertThat(settings.status()).as(settings.toString()).isEqualTo(200);

            var agentId = api.post(
                            "/v1/convai/agents/create",
                            "{\"name\":\"Done when\",\"media_stream_url\":\"" + agent.mediaStreamUrl() + "\"}")
                    .json()
                    .get("agent_id")
                    .asText();
            var numberId = api.post(
                            "/v1/convai/phone-numbers",
                            "{\"provider\":\"simulator\",\"phone_number\":" + "\"+14155550100\",\"label\":\"sim\"}")
                    .json()
                    .get("phone_number_id")
                    .asText();
            var recipients = new StringBuilder();
            for (int i = 0; i < RECIPIENTS; i++) {
                recipients.append(i == 0 ? "" : ",").append("""
                        {"id":"r%02d","phone_number":"+1415555%04d","conversation_initiation_client_data":
                          {"dynamic_variables":{"first_name":"P%02d","sim_outcome":"%s","sim_ring_ms":30,\
                        "sim_talk_ms":400}}}""".formatted(i, i, i, OUTCOMES.get(i % OUTCOMES.size())));
            }
            var submitted = api.post(
                    "/v1/convai/batch-calling/submit",
                    "{\"call_name\":\"done when\",\"agent_id\":\""
                            + agentId + "\",\"agent_phone_number_id\":\"" + numberId + "\",\"recipients\":["
                            + recipients
                            + "]}");
            assertThat(submitted.status()).as(submitted.toString()).isEqualTo(200);
            var batch = submitted.json().get("id").asText();
            Await.until(
                    Duration.ofSeconds(40),
                    "the batch completes",
                    () -> api.batchStatus(batch).equals("completed"));

            // Conversation id -> the outcome its recipient was scripted with.
            var outcomeByConversation = new LinkedHashMap<String, String>();
            var recipientByConversation = new HashMap<String, String>();
            for (var recipient :
                    api.get("/v1/convai/batch-calling/" + batch).json().get("recipients")) {
                int index = Integer.parseInt(recipient.get("id").asText().substring(1));
                var conversation = recipient.get("conversation_id").asText();
                outcomeByConversation.put(conversation, OUTCOMES.get(index % OUTCOMES.size()));
                recipientByConversation.put(conversation, recipient.get("id").asText());
            }
            assertThat(outcomeByConversation).hasSize(RECIPIENTS);
            var talked = conversationsWith(outcomeByConversation, Set.of("completed", "voicemail"));
            var notConnected = conversationsWith(outcomeByConversation, Set.of("busy", "no_answer", "failed"));

            try {
                Await.until(
                        Duration.ofSeconds(20),
                        "the agent reported every talked call",
                        () -> agent.calls().keySet().containsAll(talked));
            } catch (AssertionError e) {
                var missing = talked.stream()
                        .filter(c -> !agent.calls().containsKey(c))
                        .map(c -> c + "=" + outcomeByConversation.get(c))
                        .toList();
                var messages = agent.messages().stream()
                        .collect(Collectors.groupingBy(m -> m.path("event").asText(), Collectors.counting()));
                throw new AssertionError(
                        e.getMessage() + "; reported " + agent.calls().size() + " of " + talked.size()
                                + ", missing " + missing + ", stream messages " + messages + "\nnode:\n"
                                + node.output()
                                        .lines()
                                        .filter(l -> !l.contains(" DEBUG "))
                                        .collect(Collectors.joining("\n")),
                        e);
            }
            // Every event of the workspace (the feed is in commit order) at the receiver, post-call ones included.
            Await.until(
                    Duration.ofSeconds(30),
                    "one post-call event per call, and every feed event, at the receiver",
                    () -> {
                        var ids = received.stream().map(Received::eventId).collect(Collectors.toSet());
                        return ofType(received, "post_call_transcription").size() >= talked.size()
                                && ofType(received, "call_initiation_failure").size() >= notConnected.size()
                                && feed(api).stream()
                                        .allMatch(e ->
                                                ids.contains(e.get("event_id").asText()));
                    });
            var feed = feed(api);

            // Every delivery verifies under both schemes, and webhook-id is the event id.
            assertThat(received).allSatisfy(r -> {
                assertThat(r.elevenLabsVerified())
                        .as("ElevenLabs-Signature of %s", r.body())
                        .isTrue();
                assertThat(r.standardVerified())
                        .as("Standard Webhooks signature of %s", r.body())
                        .isTrue();
                assertThat(r.headers().get("webhook-id")).isEqualTo(r.eventId());
            });

            // Exactly one post_call_transcription per answered or voicemail call, one call_initiation_failure per
            // busy, unanswered or failed dial, matched by conversation id.
            var transcriptions = byConversation(ofType(received, "post_call_transcription"));
            assertThat(transcriptions.keySet()).containsExactlyInAnyOrderElementsOf(talked);
            assertThat(transcriptions)
                    .allSatisfy((conversation, copies) -> assertThat(copies)
                            .as("post_call_transcription of %s", conversation)
                            .hasSize(1));
            var failures = byConversation(ofType(received, "call_initiation_failure"));
            assertThat(failures.keySet()).containsExactlyInAnyOrderElementsOf(notConnected);
            assertThat(failures).allSatisfy((conversation, copies) -> {
                assertThat(copies)
                        .as("call_initiation_failure of %s", conversation)
                        .hasSize(1);
                assertThat(copies.getFirst().event().at("/data/failure_reason").asText())
                        .isEqualTo(
                                switch (outcomeByConversation.get(conversation)) {
                                    case "busy" -> "busy";
                                    case "no_answer" -> "no-answer";
                                    default -> "unknown";
                                });
                assertThat(copies.getFirst()
                                .event()
                                .at("/data/batch_call/batch_call_id")
                                .asText())
                        .isEqualTo(batch);
            });

            // batch.completed: after every recipient event of its batch in the feed's commit order, and each
            // ordering key's events arrived in that order.
            var seqById = new HashMap<String, Long>();
            feed.forEach(
                    e -> seqById.put(e.get("event_id").asText(), e.get("seq").asLong()));
            var completed = feed.stream()
                    .filter(e -> e.get("type").asText().equals("batch.completed"))
                    .toList();
            assertThat(completed).hasSize(1);
            long completedSeq = completed.getFirst().get("seq").asLong();
            var recipientEvents = feed.stream()
                    .filter(e -> batch.equals(e.path("batch_call_id").asText())
                            && (e.get("type").asText().startsWith("recipient.")
                                    || e.get("type").asText().equals("call_initiation_failure")))
                    .toList();
            assertThat(recipientEvents).hasSizeGreaterThan(RECIPIENTS * 3);
            assertThat(recipientEvents)
                    .allSatisfy(e -> assertThat(e.get("seq").asLong())
                            .as(
                                    "%s of %s",
                                    e.get("type").asText(),
                                    e.path("recipient_id").asText())
                            .isLessThan(completedSeq));
            assertThat(received)
                    .allSatisfy(r -> assertThat(r.headers().get("Batchcall-Sequence"))
                            .isEqualTo(Long.toString(seqById.get(r.eventId()))));
            var byKey = received.stream()
                    .sorted((a, b) -> Long.compare(a.arrival(), b.arrival()))
                    .collect(Collectors.groupingBy(
                            r -> orderingKey(feed, r.eventId()), LinkedHashMap::new, Collectors.toList()));
            assertThat(byKey)
                    .allSatisfy((key, inArrival) -> assertThat(inArrival)
                            .extracting(r -> seqById.get(r.eventId()))
                            .as("arrival order of %s", key)
                            .isSorted());
            var batchKey = byKey.get("batch:" + batch);
            assertThat(batchKey).extracting(Received::type).last().isEqualTo("batch.completed");

            // The agent's analysis in GET conversation, the export and the post_call_transcription's data.analysis.
            var export =
                    csv(api.get("/v1/convai/batch-calling/" + batch + "/export").body());
            var header = export.getFirst();
            var exported = export.subList(1, export.size()).stream()
                    .collect(Collectors.toMap(row -> row.get(header.indexOf("conversation_id")), row -> row));
            for (var conversation : talked) {
                var name = "P" + recipientByConversation.get(conversation).substring(1);
                var shown = api.get("/v1/convai/conversations/" + conversation).json();
                assertThat(shown.at("/analysis/call_successful").asText())
                        .as(conversation)
                        .isEqualTo("success");
                assertThat(shown.at("/analysis/transcript_summary").asText()).isEqualTo("Greeted " + name);
                var row = exported.get(conversation);
                assertThat(row.get(header.indexOf("call_successful")))
                        .as(conversation)
                        .isEqualTo("success");
                assertThat(row.get(header.indexOf("transcript_summary"))).isEqualTo("Greeted " + name);
                var data = transcriptions.get(conversation).getFirst().event().get("data");
                assertThat(data.at("/analysis/call_successful").asText())
                        .as(conversation)
                        .isEqualTo("success");
                assertThat(data.at("/analysis/transcript_summary").asText()).isEqualTo("Greeted " + name);
                assertThat(data.at("/metadata/phone_call/call_result").asText())
                        .isEqualTo(
                                outcomeByConversation.get(conversation).equals("completed") ? "answered" : "voicemail");
            }
            // A batch's own events wait for every earlier event of the batch: nothing the batch.completed follows in
            // seq order may arrive after it.
            long recipientEventsArrivingLater = received.stream()
                    .filter(r -> (r.type().startsWith("recipient.") || r.type().equals("call_initiation_failure"))
                            && r.arrival() > batchKey.getLast().arrival())
                    .count();
            assertThat(recipientEventsArrivingLater)
                    .as("recipient events arriving after batch.completed")
                    .isZero();
            System.out.printf(
                    "events done-when test: requests=%d feed events=%d post_call=%d initiation failures=%d"
                            + " batch.completed arrival=%d of %d (recipient.* arriving after it: %d), %d ms%n",
                    received.size(),
                    feed.size(),
                    transcriptions.size(),
                    failures.size(),
                    batchKey.getLast().arrival(),
                    arrivals.get(),
                    recipientEventsArrivingLater,
                    (System.nanoTime() - started) / 1_000_000);
        } finally {
            receiver.stop(0);
        }
    }

    private static List<String> conversationsWith(Map<String, String> outcomes, Set<String> wanted) {
        return outcomes.entrySet().stream()
                .filter(e -> wanted.contains(e.getValue()))
                .map(Map.Entry::getKey)
                .toList();
    }

    private static List<Received> ofType(List<Received> received, String type) {
        return received.stream().filter(r -> r.type().equals(type)).toList();
    }

    private static Map<String, List<Received>> byConversation(List<Received> received) {
        return received.stream()
                .collect(Collectors.groupingBy(
                        r -> r.event().at("/data/conversation_id").asText()));
    }

    /** Recipient events are ordered per recipient, batch events per batch; the feed says which is which. */
    private static String orderingKey(List<JsonNode> feed, String eventId) {
        var event = feed.stream()
                .filter(e -> e.get("event_id").asText().equals(eventId))
                .findFirst()
                .orElseThrow();
        var recipient = event.path("recipient_id");
        return recipient.isTextual()
                ? "recipient:" + event.path("batch_call_id").asText() + "/" + recipient.asText()
                : "batch:" + event.path("batch_call_id").asText();
    }

    /** Every event of the workspace through the pull feed, page by page, in commit order. */
    private static List<JsonNode> feed(ApiClient api) {
        var events = new ArrayList<JsonNode>();
        String cursor = "";
        while (true) {
            var page = api.get("/v1/workspace/webhook-events?page_size=100" + cursor)
                    .json();
            page.get("events").forEach(events::add);
            cursor = "&cursor=" + page.get("next_cursor").asText();
            if (!page.get("has_more").asBoolean()) {
                return events;
            }
        }
    }

    /** RFC 4180 rows (quoted fields, doubled quotes, CRLF). */
    private static List<List<String>> csv(String text) {
        var rows = new ArrayList<List<String>>();
        var row = new ArrayList<String>();
        var field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
            } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
                i++;
            } else {
                field.append(c);
            }
        }
        if (!row.isEmpty() || !field.isEmpty()) {
            row.add(field.toString());
            rows.add(row);
        }
        return rows;
    }

    /** ElevenLabs' constructEvent: first t=, first v0=, hex HMAC-SHA256 of "t.body" keyed with the secret's bytes. */
    private static boolean elevenLabsAccepts(String header, String body, String secret, long nowSeconds) {
        if (header == null || secret == null) {
            return false;
        }
        String timestamp = null;
        String signature = null;
        for (var part : header.split(",")) {
            if (timestamp == null && part.startsWith("t=")) {
                timestamp = part.substring(2);
            } else if (signature == null && part.startsWith("v0=")) {
                signature = part.substring(3);
            }
        }
        if (timestamp == null || signature == null || Long.parseLong(timestamp) < nowSeconds - 30 * 60) {
            return false;
        }
        var expected = HexFormat.of().formatHex(hmac(secret.getBytes(StandardCharsets.UTF_8), timestamp + "." + body));
        return expected.equals(signature);
    }

    /** Standard Webhooks: base64 HMAC-SHA256 of "id.t.body" keyed with the base64 after whsec_, any v1, ±5 min. */
    private static boolean standardWebhooksAccepts(
            String id, String timestamp, String signatures, String body, String secret, long nowSeconds) {
        if (id == null
                || timestamp == null
                || signatures == null
                || secret == null
                || Math.abs(nowSeconds - Long.parseLong(timestamp)) > 300) {
            return false;
        }
        var expected = hmac(
                Base64.getDecoder().decode(secret.substring("whsec_".length())), id + "." + timestamp + "." + body);
        for (var entry : signatures.split(" ")) {
            var parts = entry.split(",", 2);
            if (parts.length == 2
                    && parts[0].equals("v1")
                    && MessageDigest.isEqual(Base64.getDecoder().decode(parts[1]), expected)) {
                return true;
            }
        }
        return false;
    }

    private static byte[] hmac(byte[] key, String message) {
        try {
            var mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
