package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/** The schema rules every migration must keep, checked on the migrated database itself. */
@WithServer
class SchemaConventionsTest {
    /** Indexes that cannot start with workspace_id, each with the reason in its migration. */
    private static final Set<String> EXCEPTIONS = Set.of(
            "api_keys_by_hash",
            "attempts_by_provider_call_id",
            "webhook_deliveries_due",
            "webhook_deliveries_leases",
            "post_call_queue_pkey",
            "post_call_queue_reported",
            "events_by_time",
            "phone_numbers_whatsapp_account",
            "whatsapp_inbox_pkey",
            "whatsapp_inbox_unhandled");

    private static TestServer server;

    @Test
    void every_index_on_a_tenant_owned_table_starts_with_workspace_id() {
        var jdbi = Jdbi.create(server.databaseUrl(), "postgres", "");
        List<Map<String, Object>> indexes =
                jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT i.relname AS index_name, t.relname AS table_name,
                               a.attname AS first_column
                        FROM pg_index x
                        JOIN pg_class i ON i.oid = x.indexrelid
                        JOIN pg_class t ON t.oid = x.indrelid
                        JOIN pg_namespace n ON n.oid = t.relnamespace
                        LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
                        WHERE n.nspname = 'public'
                          AND EXISTS (SELECT 1 FROM pg_attribute c
                                      WHERE c.attrelid = t.oid AND c.attname = 'workspace_id' AND NOT c.attisdropped)""").mapToMap().list());

        assertThat(indexes).isNotEmpty();
        assertThat(indexes)
                .filteredOn(index -> !EXCEPTIONS.contains((String) index.get("index_name")))
                .allSatisfy(index -> assertThat(index.get("first_column"))
                        .as("first column of index %s on %s", index.get("index_name"), index.get("table_name"))
                        .isEqualTo("workspace_id"));
    }
}
