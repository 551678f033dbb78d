package io.batchcall.telephony.whatsapp;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.FakeGraph;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Graph API client against WireMock: what it sends, and how it reads Meta's answers and errors. */
class GraphApiTest {
    private static final WhatsAppAccount ACCOUNT =
            new WhatsAppAccount(FakeGraph.PNID, FakeGraph.TOKEN, FakeGraph.VERSION);
    private static FakeGraph graph;
    private static HttpClient http;
    private GraphApi api;

    @BeforeAll
    static void startFake() {
        graph = new FakeGraph();
        http = HttpClient.newHttpClient();
    }

    @AfterAll
    static void stopFake() {
        graph.close();
        http.close();
    }

    @BeforeEach
    void reset() {
        graph.reset();
        api = new GraphApi(http, graph.baseUrl() + "/", Duration.ofSeconds(5));
    }

    @Test
    void a_permission_check_asks_for_the_user_with_the_bearer_token_and_reads_status_expiry_and_actions() {
        graph.permission(
                FakeGraph.permissionJson("temporary", Optional.of(1_745_343_479L), true, true, Optional.empty()));

        var answer = api.permission(ACCOUNT, "4915112345678");

        var permission = GraphApi.permission(((GraphApi.Answer.Ok) answer).body());
        assertThat(permission.granted()).isTrue();
        assertThat(permission.expiresAt()).contains(Instant.ofEpochSecond(1_745_343_479L));
        assertThat(permission.startCall().allowed()).isTrue();
        var sent = graph.requests("GET", FakeGraph.PERMISSIONS).getFirst();
        assertThat(sent.queryParameter("user_wa_id").firstValue()).isEqualTo("4915112345678");
        assertThat(sent.getHeader("Authorization")).isEqualTo("Bearer " + FakeGraph.TOKEN);
    }

    @Test
    void the_expiry_is_also_read_under_its_other_documented_name_and_a_used_up_call_limit_gives_its_end() {
        var body = "{\"permission\":{\"status\":\"permanent\",\"expiration\":1745343479},\"actions\":["
                + "{\"action_name\":\"start_call\",\"can_perform_action\":false,\"limits\":[{\"time_period\":"
                + "\"PT24H\",\"max_allowed\":5,\"current_usage\":5,\"limit_expiration_time\":1745622600}]}]}";

        var permission = GraphApi.permission(((GraphApi.Answer.Ok) GraphApi.answer(200, body)).body());

        assertThat(permission.status()).isEqualTo("permanent");
        assertThat(permission.expiresAt()).contains(Instant.ofEpochSecond(1_745_343_479L));
        assertThat(permission.startCall())
                .isEqualTo(new GraphApi.Action(false, Optional.of(Instant.ofEpochSecond(1_745_622_600L))));
        assertThat(permission.sendRequest().allowed()).isFalse();
    }

    @Test
    void the_permission_request_is_the_batch_template_sent_to_the_user_as_digits() {
        var answer = api.sendTemplate(ACCOUNT, "4915112345678", "call_permission_v1", "de");

        assertThat(answer).isInstanceOf(GraphApi.Answer.Ok.class);
        var body = graph.templates().getFirst();
        assertThat(body.path("messaging_product").asText()).isEqualTo("whatsapp");
        assertThat(body.path("recipient_type").asText()).isEqualTo("individual");
        assertThat(body.path("to").asText()).isEqualTo("4915112345678");
        assertThat(body.path("type").asText()).isEqualTo("template");
        assertThat(body.at("/template/name").asText()).isEqualTo("call_permission_v1");
        assertThat(body.at("/template/language/code").asText()).isEqualTo("de");
    }

    @Test
    void a_connect_sends_the_offer_with_its_crlf_line_ends_and_our_attempt_id_as_opaque_data() {
        var sdp = "v=0\r\no=batchcall 1 1 IN IP4 127.0.0.1\r\ns=batchcall\r\n";

        var answer = api.connect(ACCOUNT, "4915112345678", sdp, "att_123");

        assertThat(((GraphApi.Answer.Ok) answer).body().at("/calls/0/id").asText())
                .isEqualTo("wacid.CALL1");
        var body = graph.calls("connect").getFirst();
        assertThat(body.path("to").asText()).isEqualTo("4915112345678");
        assertThat(body.at("/session/sdp_type").asText()).isEqualTo("offer");
        assertThat(body.at("/session/sdp").asText()).isEqualTo(sdp);
        assertThat(body.path("biz_opaque_callback_data").asText()).isEqualTo("att_123");
    }

    @Test
    void a_terminate_names_the_call() {
        assertThat(api.terminate(ACCOUNT, "wacid.CALL1")).isInstanceOf(GraphApi.Answer.Ok.class);

        assertThat(graph.calls("terminate").getFirst().path("call_id").asText()).isEqualTo("wacid.CALL1");
    }

    @Test
    void metas_error_shape_gives_the_code_the_http_status_and_the_details_even_on_a_500() {
        graph.connectRefused(401, 138006, "No approved call permission");
        var refused = (GraphApi.Answer.Refused) api.connect(ACCOUNT, "49151", "v=0\r\n", "att_1");
        assertThat(refused.httpStatus()).isEqualTo(401);
        assertThat(refused.code()).isEqualTo(138006);
        assertThat(refused.details()).contains("No approved call permission");

        graph.connectRefused(500, 138004, "Connection error");
        var failed = (GraphApi.Answer.Refused) api.connect(ACCOUNT, "49151", "v=0\r\n", "att_2");
        assertThat(failed.code()).isEqualTo(138004);
        assertThat(failed.httpStatus()).isEqualTo(500);
    }

    @Test
    void a_5xx_without_metas_error_is_unknown_and_the_connect_is_sent_exactly_once() {
        graph.connectAnswers(502, "<html>Bad gateway</html>");

        var answer = api.connect(ACCOUNT, "49151", "v=0\r\n", "att_1");

        assertThat(answer).isInstanceOf(GraphApi.Answer.Unavailable.class);
        assertThat(graph.calls("connect")).hasSize(1);
    }
}
