package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

@WithServer
class OpenApiDocumentTest {
    private static TestServer server;

    @Test
    void every_route_the_server_serves_is_in_the_openapi_document() {
        var document = server.anonymous().get("/openapi.json").json();
        var paths = document.get("paths");

        assertThat(server.routes()).isNotEmpty().allSatisfy(route -> {
            var method = route.substring(0, route.indexOf(' ')).toLowerCase(Locale.ROOT);
            var path = route.substring(route.indexOf(' ') + 1);
            assertThat(paths.has(path)).as("path %s in /openapi.json", path).isTrue();
            assertThat(paths.get(path).has(method))
                    .as("%s in /openapi.json", route)
                    .isTrue();
        });
    }

    @Test
    void the_conversation_paths_are_listed_in_the_same_order_on_every_start() {
        var document = server.anonymous().get("/openapi.json").json();
        var conversationPaths = new java.util.ArrayList<String>();
        document.get("paths").fieldNames().forEachRemaining(path -> {
            if (path.startsWith("/v1/convai/conversations")) {
                conversationPaths.add(path);
            }
        });

        // The order the server adds them in: one that came from an unordered map changed from run to run.
        assertThat(conversationPaths)
                .containsExactly(
                        "/v1/convai/conversations",
                        "/v1/convai/conversations/{conversation_id}",
                        "/v1/convai/conversations/{conversation_id}/audio");
    }

    @Test
    void do_not_call_routes_and_submit_fields_are_marked_as_our_extensions() {
        var document = server.anonymous().get("/openapi.json").json();

        for (var pointer : List.of(
                "/paths/~1v1~1batchcall~1suppression-lists/post/x-batchcall-extension",
                "/paths/~1v1~1batchcall~1suppression-lists~1{list_id}~1entries~1{number}/delete/x-batchcall-extension",
                "/paths/~1v1~1batchcall~1suppression~1check/get/x-batchcall-extension",
                "/paths/~1v1~1batchcall~1opt-outs/post/x-batchcall-extension",
                "/paths/~1agent~1v1~1conversations~1{conversation_id}~1opt-out/post/x-batchcall-extension",
                "/components/schemas/BatchCallResponse/properties/suppressed_recipients/x-batchcall-extension",
                "/components/schemas/Body_Submit_a_batch_call_request__v1_convai_batch_calling_submit_post/properties"
                        + "/suppressed/x-batchcall-extension")) {
            assertThat(document.at(pointer).asBoolean()).as(pointer).isTrue();
        }
    }

    @Test
    void the_document_is_openapi_3_1_and_marks_our_extensions() {
        var document = server.anonymous().get("/openapi.json").json();

        assertThat(document.get("openapi").asText()).isEqualTo("3.1.0");
        assertThat(document.at("/paths/~1v1~1convai~1batch-calling~1submit/post/operationId")
                        .asText())
                .isEqualTo("create_batch_call");
        assertThat(document.at("/paths/~1v1~1convai~1batch-calling~1{batch_id}~1attempts/get/x-batchcall-extension")
                        .asBoolean())
                .isTrue();
        assertThat(document.at("/components/schemas/OutboundCallRecipientResponseModel/properties/attempt_count"
                                + "/x-batchcall-extension")
                        .asBoolean())
                .isTrue();
        assertThat(document.at("/paths/~1v1~1convai~1batch-calling~1submit/post/x-batchcall-extension")
                        .isMissingNode())
                .isTrue();
        assertThat(document.at("/paths/~1v1~1workspace~1webhooks/post/operationId")
                        .asText())
                .isEqualTo("create_workspace_webhook_route");
        assertThat(document.at("/paths/~1v1~1workspace~1webhooks/post/x-batchcall-extension")
                        .isMissingNode())
                .isTrue();
        assertThat(document.at("/paths/~1v1~1workspace~1webhooks~1{webhook_id}~1replay/post/x-batchcall-extension")
                        .asBoolean())
                .isTrue();
        assertThat(document.at("/components/schemas/WebhookHMACSettings/properties/event_types/x-batchcall-extension")
                        .asBoolean())
                .isTrue();
    }

    @Test
    void single_outbound_calls_are_elevenlabs_operations_with_our_429_marked_as_an_extension() {
        var document = server.anonymous().get("/openapi.json").json();

        assertThat(document.at("/paths/~1v1~1convai~1twilio~1outbound-call/post/operationId")
                        .asText())
                .isEqualTo("handle_twilio_outbound_call");
        assertThat(document.at("/paths/~1v1~1convai~1exotel~1outbound-call/post/operationId")
                        .asText())
                .isEqualTo("handle_exotel_outbound_call");
        assertThat(document.at("/paths/~1v1~1convai~1twilio~1register-call/post/operationId")
                        .asText())
                .isEqualTo("register_twilio_call");
        assertThat(document.at("/paths/~1v1~1convai~1sip-trunk~1outbound-call/post/x-batchcall-extension")
                        .isMissingNode())
                .isTrue();
        assertThat(document.at("/paths/~1v1~1convai~1sip-trunk~1outbound-call/post/responses/429"
                                + "/x-batchcall-extension")
                        .asBoolean())
                .isTrue();
        assertThat(document.at("/components/schemas/SIPTrunkOutboundCallResponse/required")
                        .toString())
                .contains("sip_call_id");
        // WhatsApp calls and accounts are ElevenLabs' operations; messaging is not served, so not described.
        assertThat(document.at("/paths/~1v1~1convai~1whatsapp~1outbound-call/post/x-batchcall-extension")
                        .isMissingNode())
                .isTrue();
        assertThat(document.at("/paths/~1v1~1convai~1whatsapp-accounts~1{phone_number_id}/patch")
                        .isMissingNode())
                .isFalse();
        assertThat(document.at("/paths/~1v1~1convai~1whatsapp~1outbound-message")
                        .isMissingNode())
                .isTrue();
        assertThat(document.at("/paths/~1v1~1batchcall~1whatsapp-accounts/post/x-batchcall-extension")
                        .asBoolean())
                .isTrue();
        assertThat(document.at(
                                "/components/schemas/UpdateWhatsAppAccountRequest/properties/app_secret/x-batchcall-extension")
                        .asBoolean())
                .isTrue();
    }

    @Test
    void the_sdks_newer_fields_and_the_paged_phone_number_list_are_in_the_document() {
        var document = server.anonymous().get("/openapi.json").json();

        var detection = document.at("/components/schemas/TelephonyCallConfig/properties/twilio_machine_detection");
        assertThat(detection.at("/anyOf/0/properties/mode/enum").toString())
                .isEqualTo("[\"enable\",\"detect_message_end\"]");
        assertThat(detection.get("x-batchcall-extension"))
                .as("ElevenLabs' own field")
                .isNull();
        var export = document.at("/paths/~1v1~1convai~1batch-calling~1{batch_id}~1export/get/parameters");
        assertThat(export.findValuesAsText("name")).contains("batch_id", "limit");
        var v2 = document.at("/paths/~1v1~1convai~1v2~1phone-numbers/get");
        assertThat(v2.get("summary").asText()).contains("branch_id", "sort_by", "next_cursor");
        assertThat(v2.has("x-batchcall-extension"))
                .as("ElevenLabs' own operation")
                .isFalse();
        assertThat(document.at("/paths/~1v1~1convai~1phone-numbers/get/parameters")
                        .findValuesAsText("name"))
                .contains("branch_id");
    }
}
