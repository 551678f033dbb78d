package io.batchcall.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Either an external PostgreSQL ({@code externalUrl} present) or an embedded one whose data lives in
 * {@code dataDirectory}. The data directory is used in both cases for files batchcall keeps beside its data,
 * such as a generated secret key. {@code statementStats}: the embedded one loads {@code pg_stat_statements}.
 */
public record DatabaseConfig(
        Optional<String> externalUrl,
        Optional<String> user,
        Optional<String> password,
        Path dataDirectory,
        boolean statementStats) {

    public boolean embedded() {
        return externalUrl.isEmpty();
    }

    @Override
    public String toString() {
        // The password never reaches a log line through this record.
        return "DatabaseConfig[externalUrl=" + externalUrl + ", user=" + user + ", password=" + password.map(p -> "***")
                + ", dataDirectory=" + dataDirectory + ", statementStats=" + statementStats + "]";
    }
}
