package io.batchcall.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchWireTest {
    private static final BatchWire.RecipientResponse EVERY_FIELD_SET = new BatchWire.RecipientResponse(
            "rcp_1",
            "+14155550123",
            "whatsapp \"user\" \u00e9\u2028",
            "pending",
            1_700_000_000L,
            1_700_000_060L,
            "conv_1",
            "{\"dynamic_variables\":{\"name\":\"Ann \\\"A\\\"\",\"amount\":1.10,\"list\":[1,null,true]}}",
            3,
            "no_answer",
            "outside_window",
            "suppressed",
            1_700_003_600L,
            "Europe/Berlin",
            List.of("Europe/Berlin", "America/New_York"),
            "phone_prefix",
            "DE-BE");

    private static final BatchWire.RecipientResponse EVERY_FIELD_EMPTY = new BatchWire.RecipientResponse(
            "rcp_2", null, null, "completed", 0L, -1L, null, null, 0, null, null, null, null, null, null, null, null);

    @Test
    void a_recipient_written_by_hand_has_the_very_bytes_the_mapper_writes_for_its_record() throws Exception {
        var values = List.of(EVERY_FIELD_SET, EVERY_FIELD_EMPTY, EVERY_FIELD_SET);

        var byHand = new StringWriter();
        try (var json = WireJson.MAPPER.createGenerator(byHand)) {
            json.writeStartArray();
            for (var value : values) {
                BatchWire.write(json, value);
            }
            json.writeEndArray();
        }

        assertThat(byHand.toString()).isEqualTo(WireJson.MAPPER.writeValueAsString(values));
    }

    @Test
    void an_empty_zone_list_is_written_as_the_mapper_writes_it() throws Exception {
        var value = new BatchWire.RecipientResponse(
                "rcp_3", "+1", null, "pending", 1L, 2L, null, "{}", 1, null, null, null, null, null, List.of(), null,
                null);

        var byHand = new StringWriter();
        try (var json = WireJson.MAPPER.createGenerator(byHand)) {
            BatchWire.write(json, value);
        }

        assertThat(byHand.toString()).isEqualTo(WireJson.MAPPER.writeValueAsString(value));
    }

    @Test
    void a_batch_written_by_hand_has_the_very_bytes_the_mapper_writes_for_its_record() throws Exception {
        var everyFieldSet = new BatchWire.BatchCallResponse(
                "btcal_1",
                "pn_1",
                "twilio",
                "{\"whatsapp_phone_number_id\":\"wa_1\",\"n\":1.50}",
                "Spring \"drive\" \u00e9",
                "agent_1",
                "branch_1",
                "production",
                1_700_000_000L,
                1_700_000_100L,
                "Europe/Berlin",
                7,
                10,
                5,
                1_700_000_200L,
                "in_progress",
                2,
                new BatchWire.CallConfigResponse(45, true, new BatchWire.MachineDetectionResponse("Enable")),
                12,
                "Agent \u2028 one",
                "Main",
                "agent_deleted",
                true,
                1_700_000_300L);
        var everyFieldEmpty = new BatchWire.BatchCallResponse(
                "btcal_2",
                null,
                null,
                null,
                "",
                "agent_2",
                null,
                null,
                0L,
                -5L,
                null,
                0,
                0,
                0,
                0L,
                "pending",
                0,
                new BatchWire.CallConfigResponse(60, false, null),
                null,
                "Agent",
                null,
                null,
                false,
                null);
        var noConfig = new BatchWire.BatchCallResponse(
                "btcal_3",
                null,
                null,
                null,
                "n",
                "agent_3",
                null,
                null,
                1L,
                1L,
                null,
                0,
                0,
                0,
                1L,
                "completed",
                0,
                null,
                null,
                "Agent",
                null,
                null,
                false,
                null);
        var values = List.of(everyFieldSet, everyFieldEmpty, noConfig);

        var byHand = new StringWriter();
        try (var json = WireJson.MAPPER.createGenerator(byHand)) {
            json.writeStartArray();
            for (var value : values) {
                BatchWire.write(json, value);
            }
            json.writeEndArray();
        }

        assertThat(byHand.toString()).isEqualTo(WireJson.MAPPER.writeValueAsString(values));
    }
}
