package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.TestDatabase;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A skip updates its recipients one by one in Java's order and a post-call event locks them in SQL's: both must be
 * the same order for any ids a client chooses, or two such writers could wait on each other.
 */
class RecipientLockOrderTest {
    // Case, accents, a character beyond U+FFFF (an emoji) and one just below it (U+FFFD), digits, punctuation.
    private static final List<String> IDS =
            List.of("b", "B", "a", "é", "e", "\uD83D\uDE00", "\uFFFD", "z", "Z", "10", "9", "_x", "a-b", "ab", "a");

    @Test
    void skips_sort_recipient_ids_in_the_order_post_call_events_lock_them() throws SQLException {
        var java = new ArrayList<>(IDS);
        java.sort(RecipientSkips.ID_ORDER);

        assertThat(java).isEqualTo(postgresOrder());
        // What String's own order would have done: the emoji before U+FFFD, where PostgreSQL puts it after.
        var utf16 = new ArrayList<>(IDS);
        utf16.sort(Comparator.naturalOrder());
        assertThat(utf16).isNotEqualTo(java);
        assertThat(java.indexOf("\uD83D\uDE00")).isGreaterThan(java.indexOf("\uFFFD"));
    }

    private static List<String> postgresOrder() throws SQLException {
        try (var connection = DriverManager.getConnection(TestDatabase.freshDatabaseUrl());
                var statement = connection.prepareStatement("SELECT x FROM unnest(?) AS x ORDER BY x COLLATE \"C\"")) {
            statement.setArray(1, connection.createArrayOf("text", IDS.toArray()));
            var ordered = new ArrayList<String>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    ordered.add(rows.getString(1));
                }
            }
            return ordered;
        }
    }
}
