package io.batchcall.domain;

import java.time.Instant;
import java.util.Optional;

/**
 * One recipient claimed for dialing by a node: its new attempt, and everything needed to place the call.
 * {@code dialAt} is the paced instant reserved for it on its number.
 */
public record Claim(
        AttemptRef attempt,
        String batchId,
        String recipientId,
        int attemptNumber,
        String to,
        PhoneNumber from,
        Agent agent,
        TelephonyCallConfig callConfig,
        String conversationId,
        Optional<String> clientDataJson,
        Instant dialAt,
        Instant due) {}
