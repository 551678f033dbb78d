package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.support.ApiClient;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Listing numbers: the branch_id filter, and ElevenLabs' paged v2 list with its search, filters and sorts. */
@WithServer
class PhoneNumberListTest {
    private static final String V2 = "/v1/convai/v2/phone-numbers";

    private static TestServer server;
    private static ApiClient api;
    private static String agentId;
    private static String branchId;
    private static final List<String> ids = new ArrayList<>();

    @BeforeAll
    static void start() {
        // A workspace of its own, so that the lists hold exactly these numbers.
        api = server.client(server.newWorkspaceKey("Numbers"));
        agentId = api.post("/v1/convai/agents/create", "{\"name\":\"Branched\"}")
                .json()
                .get("agent_id")
                .asText();
        branchId = api.post("/v1/convai/agents/" + agentId + "/branches", "{\"name\":\"b\"}")
                .json()
                .get("created_branch_id")
                .asText();
        // Created in this order; labels and numbers sort differently from it.
        ids.add(number("Charlie", "+14155550103", "simulator"));
        ids.add(number("alpha", "+14155550102", "simulator"));
        ids.add(number("Bravo office", "+14155550101", "simulator"));
        ids.add(number("Delta", "+14155550104", "twilio"));
        var patched = api.patch(
                "/v1/convai/phone-numbers/" + ids.get(1),
                "{\"agent_id\":\"" + agentId + "\",\"branch_id\":\"" + branchId + "\"}");
        assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
    }

    private static String number(String label, String phone, String provider) {
        var extra = provider.equals("twilio") ? ",\"sid\":\"AC1\",\"token\":\"t\"" : "";
        var response = api.post(
                "/v1/convai/phone-numbers",
                "{\"provider\":\"" + provider + "\",\"phone_number\":\"" + phone + "\",\"label\":\"" + label + "\""
                        + extra + "}");
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().get("phone_number_id").asText();
    }

    private static List<String> labels(JsonNode numbers) {
        var found = new ArrayList<String>();
        numbers.forEach(n -> found.add(n.get("label").asText()));
        return found;
    }

    @Test
    void the_v1_list_filters_by_branch() {
        var listed = api.get("/v1/convai/phone-numbers?branch_id=" + branchId);

        assertThat(listed.status()).isEqualTo(200);
        assertThat(labels(listed.json())).containsExactly("alpha");
        assertThat(labels(api.get("/v1/convai/phone-numbers?branch_id=agtbranch_none")
                        .json()))
                .isEmpty();
    }

    @Test
    void the_v2_list_pages_through_every_number_in_creation_order_by_default() {
        var first = api.get(V2 + "?page_size=3").json();

        assertThat(labels(first.get("phone_numbers"))).containsExactly("Charlie", "alpha", "Bravo office");
        assertThat(first.get("has_more").asBoolean()).isTrue();
        var second = api.get(
                        V2 + "?page_size=3&cursor=" + first.get("next_cursor").asText())
                .json();
        assertThat(labels(second.get("phone_numbers"))).containsExactly("Delta");
        assertThat(second.get("has_more").asBoolean()).isFalse();
        assertThat(second.get("next_cursor").isNull()).isTrue();
    }

    @Test
    void the_v2_list_sorts_by_phone_number_or_label_in_either_direction_across_pages() {
        var byNumber = api.get(V2 + "?sort_by=phone_number&sort_direction=desc&page_size=2")
                .json();
        assertThat(labels(byNumber.get("phone_numbers"))).containsExactly("Delta", "Charlie");
        var rest = api.get(V2 + "?sort_by=phone_number&sort_direction=desc&page_size=2&cursor="
                        + byNumber.get("next_cursor").asText())
                .json();
        assertThat(labels(rest.get("phone_numbers"))).containsExactly("alpha", "Bravo office");

        var byLabel = labels(api.get(V2 + "?sort_by=label").json().get("phone_numbers"));
        assertThat(byLabel).hasSize(4).containsExactlyInAnyOrder("alpha", "Bravo office", "Charlie", "Delta");
        assertThat(byLabel.indexOf("Bravo office")).isLessThan(byLabel.indexOf("Charlie"));
    }

    @Test
    void the_v2_list_searches_and_filters_as_elevenlabs_documents() {
        assertThat(labels(api.get(V2 + "?search=BRAVO").json().get("phone_numbers")))
                .containsExactly("Bravo office");
        assertThat(labels(api.get(V2 + "?search=" + ids.get(3)).json().get("phone_numbers")))
                .containsExactly("Delta");
        assertThat(labels(api.get(V2 + "?search=0102").json().get("phone_numbers")))
                .containsExactly("alpha");
        assertThat(labels(api.get(V2 + "?label=LPH").json().get("phone_numbers")))
                .containsExactly("alpha");
        assertThat(labels(api.get(V2 + "?phone_number=%2B14155550101").json().get("phone_numbers")))
                .containsExactly("Bravo office");
        assertThat(labels(api.get(V2 + "?provider=twilio").json().get("phone_numbers")))
                .containsExactly("Delta");
        assertThat(labels(api.get(V2 + "?agent_id=" + agentId + "&branch_id=" + branchId)
                        .json()
                        .get("phone_numbers")))
                .containsExactly("alpha");
        assertThat(labels(api.get(V2 + "?supports_outbound=false").json().get("phone_numbers")))
                .isEmpty();
    }

    @Test
    void a_bad_sort_a_bad_page_size_or_a_cursor_of_another_order_is_a_422() {
        var cursor = api.get(V2 + "?page_size=1").json().get("next_cursor").asText();

        var response = api.get(V2 + "?sort_by=created&sort_direction=up&page_size=0");
        assertThat(response.status()).isEqualTo(422);
        assertThat(response.body()).contains("sort_by", "sort_direction", "page_size");
        var reused = api.get(V2 + "?sort_by=label&cursor=" + cursor);
        assertThat(reused.status()).isEqualTo(422);
        assertThat(reused.body()).contains("cursor");
    }
}
