package io.batchcall.telephony;

import io.batchcall.domain.Agent;
import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.TelephonyCallConfig;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a provider needs to place one attempt: who to call, from which number and account, which agent to
 * connect, how long to let it ring, the conversation id, and the recipient's client data (JSON text).
 */
public record CallRequest(
        AttemptRef attempt,
        String batchId,
        String recipientId,
        String to,
        PhoneNumber from,
        Map<String, String> credentials,
        Agent agent,
        TelephonyCallConfig callConfig,
        String conversationId,
        Optional<String> clientDataJson,
        DialCheck stillToDial) {
    /** A request nothing withdraws while a provider holds it back ({@link DialCheck#ALWAYS}). */
    public CallRequest(
            AttemptRef attempt,
            String batchId,
            String recipientId,
            String to,
            PhoneNumber from,
            Map<String, String> credentials,
            Agent agent,
            TelephonyCallConfig callConfig,
            String conversationId,
            Optional<String> clientDataJson) {
        this(
                attempt,
                batchId,
                recipientId,
                to,
                from,
                credentials,
                agent,
                callConfig,
                conversationId,
                clientDataJson,
                DialCheck.ALWAYS);
    }

    @Override
    public String toString() {
        // Credentials and the full number never reach a log line through this record.
        return "CallRequest[attempt=" + attempt.attemptId() + ", provider="
                + from.provider().wireName() + "]";
    }
}
