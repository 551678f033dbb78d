package io.batchcall.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TableWritesTest {
    @Test
    void each_insert_and_each_update_is_a_row_version_and_only_those_not_hot_add_index_entries_deletes_neither() {
        var written = new TableWrites(Map.of(
                "recipients", new TableWrites.Table(100, 400, 150, 0, 5),
                "events", new TableWrites.Table(400, 0, 0, 400, 3)));

        assertThat(written.rowVersionsPer(100)).isEqualTo(9.0);
        // recipients: (100 + 400 - 150) x 5 = 1,750; events: 400 x 3 = 1,200.
        assertThat(written.indexEntriesPer(100)).isEqualTo(29.5);
    }

    @Test
    void what_was_written_between_two_readings_leaves_out_tables_not_written_and_counts_new_ones_whole() {
        var before = new TableWrites(Map.of(
                "recipients", new TableWrites.Table(1_000, 2_000, 500, 0, 5),
                "agents", new TableWrites.Table(3, 7, 7, 0, 2)));
        var after = new TableWrites(Map.of(
                "recipients", new TableWrites.Table(1_100, 2_400, 650, 0, 5),
                "agents", new TableWrites.Table(3, 7, 7, 0, 2),
                "attempts", new TableWrites.Table(100, 300, 40, 0, 7)));

        var written = after.minus(before);

        assertThat(written.tables())
                .containsOnlyKeys("recipients", "attempts")
                .containsEntry("recipients", new TableWrites.Table(100, 400, 150, 0, 5))
                .containsEntry("attempts", new TableWrites.Table(100, 300, 40, 0, 7));
    }
}
