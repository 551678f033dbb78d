package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.Batch;
import io.batchcall.domain.BatchStatus;
import io.batchcall.domain.BatchSummary;
import io.batchcall.domain.MachineDetection;
import io.batchcall.domain.Provider;
import io.batchcall.domain.TelephonyCallConfig;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.wire.BatchWire;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BatchJsonTest {
    /** The list page's shape as the mapper wrote it before the page was written by hand. */
    record MappedPage(List<BatchWire.BatchCallResponse> batchCalls, String nextDoc, boolean hasMore) {}

    private static BatchSummary summary(String id, BatchStatus status, boolean everything) {
        var at = Instant.parse("2026-03-01T10:00:00.123456Z");
        var batch = new Batch(
                new WorkspaceId("ws_1"),
                id,
                "Batch \"" + id + "\" \u00e9",
                "agent_1",
                everything ? Optional.of("branch_1") : Optional.empty(),
                everything ? Optional.of("pn_1") : Optional.empty(),
                everything ? Optional.of("staging") : Optional.empty(),
                everything ? Optional.of("Europe/Berlin") : Optional.empty(),
                everything ? Optional.of("{\"whatsapp_phone_number_id\":\"wa_1\"}") : Optional.empty(),
                new TelephonyCallConfig(
                        45, everything, everything ? MachineDetection.fromWire("Enable") : Optional.empty()),
                everything ? Optional.of(7) : Optional.empty(),
                status,
                everything ? Optional.of("agent_deleted") : Optional.empty(),
                everything ? 2 : 0,
                10,
                everything ? 4 : 0,
                everything ? 3 : 0,
                at.plusSeconds(60),
                at,
                at.plusSeconds(90),
                everything ? Optional.of(at.plusSeconds(120)) : Optional.empty());
        return new BatchSummary(
                batch,
                "Agent one",
                everything ? Optional.of("Main") : Optional.empty(),
                everything ? Optional.of(Provider.TWILIO) : Optional.empty());
    }

    @Test
    void a_list_page_written_by_hand_has_the_very_bytes_the_mapper_wrote() throws Exception {
        var page = List.of(
                summary("btcal_1", BatchStatus.IN_PROGRESS, true),
                summary("btcal_2", BatchStatus.PENDING, false),
                summary("btcal_3", BatchStatus.COMPLETED, true));

        for (var next : new String[] {"cursor-after-3", null}) {
            var mapped = Json.MAPPER.writeValueAsString(
                    new MappedPage(page.stream().map(BatchJson::batch).toList(), next, next != null));

            assertThat(new String(BatchJson.list(page, next, next != null), StandardCharsets.UTF_8))
                    .isEqualTo(mapped);
        }
    }
}
