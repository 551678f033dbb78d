package io.batchcall.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * Submit bodies: a batch of recipients with valid, distinct phone numbers and three dynamic variables each.
 * Numbers are {@code +1415555}, {@code +1415556}, {@code +1212555} or {@code +1310555} and four digits: 40,000
 * valid numbers, more than a batch may hold.
 */
final class BatchBody {
    private static final String[] PREFIXES = {"+1415555", "+1415556", "+1212555", "+1310555"};

    private BatchBody() {}

    /** The n-th of the distinct numbers (0 to 39,999). */
    static String phoneNumber(int n) {
        return PREFIXES[n / 10_000] + String.format("%04d", n % 10_000);
    }

    /** Ordinary recipients: a name, an account and a balance, as a real campaign would send. */
    static IntFunction<ObjectNode> customer() {
        return i -> ApiClient.JSON.createObjectNode().put("name", "Customer " + i).put("account_id", "acct-" + i)
                .put("balance", i * 1.25);
    }

    /** Simulated calls decided exactly: they complete after ringing and talking this long. */
    static IntFunction<ObjectNode> simulated(long ringMillis, long talkMillis) {
        return i -> ApiClient.JSON.createObjectNode().put("sim_outcome", "completed").put("sim_ring_ms", ringMillis)
                .put("sim_talk_ms", talkMillis);
    }

    /**
     * A submit body for {@code count} recipients from the workspace's agent and number.
     *
     * @param targetConcurrency the batch's {@code target_concurrency_limit}, empty for the default
     * @param scheduledUnix {@code scheduled_time_unix}, empty for now
     */
    static byte[] of(ApiClient.Workspace workspace, String name, int count, IntFunction<ObjectNode> variables,
                     Optional<Integer> targetConcurrency, Optional<Long> scheduledUnix) {
        return of(workspace, name, count, variables, targetConcurrency, scheduledUnix, i -> i);
    }

    /** The same, the i-th recipient calling the {@code number.applyAsInt(i)}-th of the distinct numbers. */
    static byte[] of(ApiClient.Workspace workspace, String name, int count, IntFunction<ObjectNode> variables,
                     Optional<Integer> targetConcurrency, Optional<Long> scheduledUnix,
                     java.util.function.IntUnaryOperator number) {
        var body = ApiClient.JSON.createObjectNode().put("call_name", name).put("agent_id", workspace.agentId())
                .put("agent_phone_number_id", workspace.phoneNumberId());
        targetConcurrency.ifPresent(limit -> body.put("target_concurrency_limit", limit));
        scheduledUnix.ifPresent(at -> body.put("scheduled_time_unix", at));
        var recipients = body.putArray("recipients");
        for (int i = 0; i < count; i++) {
            var recipient = recipients.addObject().put("phone_number", phoneNumber(number.applyAsInt(i)));
            recipient.putObject("conversation_initiation_client_data").set("dynamic_variables", variables.apply(i));
        }
        try {
            return ApiClient.JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A submit body with one more top-level key (an extension such as {@code calling_window}). */
    static byte[] with(byte[] body, String key, com.fasterxml.jackson.databind.JsonNode value) {
        try {
            var tree = (ObjectNode) ApiClient.JSON.readTree(body);
            tree.set(key, value);
            return ApiClient.JSON.writeValueAsBytes(tree);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
