package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import org.junit.jupiter.api.Test;

/** GET/PUT /v1/batchcall/workspace/frequency-caps: the caps a workspace's claims enforce, validated as a whole. */
@WithServer
class FrequencyCapApiTest {
    private static final String PATH = "/v1/batchcall/workspace/frequency-caps";
    private static TestServer server;

    @Test
    void a_new_workspace_has_no_caps_and_the_caps_put_are_the_caps_read_back_per_workspace() {
        var key = server.newWorkspaceKey("Capped");
        var other = server.newWorkspaceKey("Uncapped");
        assertThat(server.client(key).get(PATH).body()).isEqualTo("{\"frequency_caps\":[]}");

        var put = server.client(key)
                .put(PATH, "{\"frequency_caps\":[{\"max\":3,\"per_seconds\":86400},{\"max\":1,\"per_seconds\":3600}]}");

        assertThat(put.status()).isEqualTo(200);
        var expected = "{\"frequency_caps\":[{\"max\":3,\"per_seconds\":86400},{\"max\":1,\"per_seconds\":3600}]}";
        assertThat(put.body()).isEqualTo(expected);
        assertThat(server.client(key).get(PATH).body()).isEqualTo(expected);
        assertThat(server.client(other).get(PATH).body()).isEqualTo("{\"frequency_caps\":[]}");

        assertThat(server.client(key).put(PATH, "{\"frequency_caps\":[]}").status())
                .isEqualTo(200);
        assertThat(server.client(key).get(PATH).body()).isEqualTo("{\"frequency_caps\":[]}");
    }

    @Test
    void caps_out_of_range_too_many_or_with_unknown_fields_are_a_422_that_changes_nothing() {
        var key = server.newWorkspaceKey("Invalid caps");
        server.client(key).put(PATH, "{\"frequency_caps\":[{\"max\":2,\"per_seconds\":600}]}");

        var outOfRange = server.client(key)
                .put(PATH, "{\"frequency_caps\":[{\"max\":0,\"per_seconds\":59},{\"max\":1001,\"per\":60}]}");

        assertThat(outOfRange.status()).isEqualTo(422);
        var locs = outOfRange.json().get("detail").findValues("loc").stream()
                .map(Object::toString)
                .toList();
        assertThat(locs)
                .containsExactlyInAnyOrder(
                        "[\"body\",\"frequency_caps\",0,\"max\"]",
                        "[\"body\",\"frequency_caps\",0,\"per_seconds\"]",
                        "[\"body\",\"frequency_caps\",1,\"per\"]",
                        "[\"body\",\"frequency_caps\",1,\"per_seconds\"]",
                        "[\"body\",\"frequency_caps\",1,\"max\"]");
        var six = "{\"frequency_caps\":[" + "{\"max\":1,\"per_seconds\":60},".repeat(5)
                + "{\"max\":1,\"per_seconds\":60}]}";
        assertThat(server.client(key).put(PATH, six).status()).isEqualTo(422);
        assertThat(server.client(key).put(PATH, "{}").status()).isEqualTo(422);
        assertThat(server.client(key).put(PATH, "{\"frequency_caps\":3}").status())
                .isEqualTo(422);
        assertThat(server.client(key)
                        .put(PATH, "{\"frequency_caps\":[],\"extra\":1}")
                        .status())
                .isEqualTo(422);

        assertThat(server.client(key).get(PATH).body())
                .isEqualTo("{\"frequency_caps\":[{\"max\":2,\"per_seconds\":600}]}");
    }

    @Test
    void the_caps_need_an_api_key() {
        assertThat(server.anonymous().get(PATH).status()).isEqualTo(401);
        assertThat(server.anonymous().put(PATH, "{\"frequency_caps\":[]}").status())
                .isEqualTo(401);
    }
}
