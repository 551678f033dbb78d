package io.batchcall.domain;

import java.util.Optional;

/** A batch with the names and provider of the objects it refers to, as every batch response shows it. */
public record BatchSummary(
        Batch batch, String agentName, Optional<String> branchName, Optional<Provider> phoneProvider) {}
