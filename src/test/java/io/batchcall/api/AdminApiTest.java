package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.ApiClient;
import io.batchcall.support.TestServer;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AdminApiTest {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void creating_a_workspace_returns_its_key_once_and_the_key_works() {
        var response = server.admin().post("/admin/v1/workspaces", "{\"name\":\"Acme\",\"concurrency_limit\":7}");

        assertThat(response.status()).isEqualTo(201);
        var body = response.json();
        assertThat(body.get("workspace_id").asText()).startsWith("ws_");
        assertThat(body.get("name").asText()).isEqualTo("Acme");
        assertThat(body.get("concurrency_limit").asInt()).isEqualTo(7);
        var key = body.get("api_key").asText();
        assertThat(server.client(key).get("/v1/batchcall/workspace").json().get("workspace_id"))
                .isEqualTo(body.get("workspace_id"));
        var listed = server.admin()
                .get("/admin/v1/workspaces/" + body.get("workspace_id").asText())
                .body();
        assertThat(listed).doesNotContain(key).contains(key.substring(0, 8));
    }

    @Test
    void a_new_workspace_has_the_default_concurrency_limit_of_20() {
        var body = server.admin()
                .post("/admin/v1/workspaces", "{\"name\":\"Defaults\"}")
                .json();

        assertThat(body.get("concurrency_limit").asInt()).isEqualTo(20);
    }

    @Test
    void listing_shows_every_workspace_with_its_keys_but_never_a_key_itself() {
        var created = server.admin()
                .post("/admin/v1/workspaces", "{\"name\":\"Listed\"}")
                .json();

        var list = server.admin().get("/admin/v1/workspaces");

        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().get("workspaces")).anySatisfy(w -> {
            assertThat(w.get("name").asText()).isEqualTo("Listed");
            assertThat(w.get("api_keys")).hasSize(1);
            assertThat(w.get("api_keys").get(0).get("key_id").asText())
                    .isEqualTo(created.get("api_key_id").asText());
            assertThat(w.get("api_keys").get(0).get("revoked_at_unix").isNull()).isTrue();
        });
        assertThat(list.body()).doesNotContain(created.get("api_key").asText()).doesNotContain(TestServer.API_KEY);
    }

    @Test
    void patch_changes_only_the_given_fields() {
        var id = server.admin()
                .post("/admin/v1/workspaces", "{\"name\":\"Before\",\"concurrency_limit\":3}")
                .json()
                .get("workspace_id")
                .asText();

        var renamed = server.admin().patch("/admin/v1/workspaces/" + id, "{\"name\":\"After\"}");
        var limited = server.admin().patch("/admin/v1/workspaces/" + id, "{\"concurrency_limit\":12}");

        assertThat(renamed.status()).isEqualTo(200);
        assertThat(renamed.json().get("name").asText()).isEqualTo("After");
        assertThat(renamed.json().get("concurrency_limit").asInt()).isEqualTo(3);
        assertThat(limited.json().get("name").asText()).isEqualTo("After");
        assertThat(limited.json().get("concurrency_limit").asInt()).isEqualTo(12);
    }

    @Test
    void bad_input_is_a_422_naming_every_field_and_changes_nothing() {
        var id = server.admin()
                .post("/admin/v1/workspaces", "{\"name\":\"Stable\",\"concurrency_limit\":3}")
                .json()
                .get("workspace_id")
                .asText();

        var response = server.admin().patch("/admin/v1/workspaces/" + id, "{\"name\":\"  \",\"concurrency_limit\":0}");

        assertThat(response.status()).isEqualTo(422);
        assertThat(response.json().get("detail")).hasSize(2);
        assertThat(response.json().at("/detail/0/loc").toString()).isEqualTo("[\"body\",\"name\"]");
        assertThat(response.json().at("/detail/0/type").asText()).isEqualTo("string_too_short");
        assertThat(response.json().at("/detail/1/loc").toString()).isEqualTo("[\"body\",\"concurrency_limit\"]");
        assertThat(response.json().at("/detail/1/type").asText()).isEqualTo("greater_than_equal");
        var unchanged = server.admin().get("/admin/v1/workspaces/" + id).json();
        assertThat(unchanged.get("name").asText()).isEqualTo("Stable");
        assertThat(unchanged.get("concurrency_limit").asInt()).isEqualTo(3);
    }

    @Test
    void creating_without_a_name_or_with_a_wrong_type_is_a_422() {
        var missing = server.admin().post("/admin/v1/workspaces", "{}");
        var wrongType = server.admin().post("/admin/v1/workspaces", "{\"name\":5,\"concurrency_limit\":\"many\"}");

        assertThat(missing.status()).isEqualTo(422);
        assertThat(missing.json().at("/detail/0/loc").toString()).isEqualTo("[\"body\",\"name\"]");
        assertThat(missing.json().at("/detail/0/type").asText()).isEqualTo("missing");
        assertThat(wrongType.json().get("detail"))
                .extracting(v -> v.get("type").asText())
                .containsExactly("string_type", "int_type");
    }

    @Test
    void unknown_workspaces_and_keys_are_404() {
        assertThat(server.admin().get("/admin/v1/workspaces/ws_nope").status()).isEqualTo(404);
        assertThat(server.admin()
                        .patch("/admin/v1/workspaces/ws_nope", "{\"name\":\"x\"}")
                        .status())
                .isEqualTo(404);
        assertThat(server.admin()
                        .postEmpty("/admin/v1/workspaces/ws_nope/api-keys")
                        .status())
                .isEqualTo(404);
        var id = server.admin()
                .post("/admin/v1/workspaces", "{\"name\":\"Keys\"}")
                .json()
                .get("workspace_id")
                .asText();
        var response = server.admin().delete("/admin/v1/workspaces/" + id + "/api-keys/key_nope");
        assertThat(response.status()).isEqualTo(404);
        assertThat(response.json().at("/detail/status").asText()).isEqualTo("api_key_not_found");
    }

    @Test
    void a_key_of_one_workspace_cannot_be_revoked_through_another() {
        var a = server.admin().post("/admin/v1/workspaces", "{\"name\":\"A\"}").json();
        var b = server.admin().post("/admin/v1/workspaces", "{\"name\":\"B\"}").json();

        var response = server.admin()
                .delete("/admin/v1/workspaces/" + b.get("workspace_id").asText() + "/api-keys/"
                        + a.get("api_key_id").asText());

        assertThat(response.status()).isEqualTo(404);
        assertThat(server.client(a.get("api_key").asText())
                        .get("/v1/batchcall/workspace")
                        .status())
                .isEqualTo(200);
    }

    @Test
    void a_wrong_or_missing_admin_token_is_a_401_and_an_api_key_is_not_an_admin_token() {
        assertThat(ApiClient.admin(server.port(), "wrong-token-wrong-token")
                        .get("/admin/v1/workspaces")
                        .status())
                .isEqualTo(401);
        assertThat(server.anonymous().get("/admin/v1/workspaces").status()).isEqualTo(401);
        assertThat(ApiClient.admin(server.port(), TestServer.API_KEY)
                        .get("/admin/v1/workspaces")
                        .status())
                .isEqualTo(401);
    }

    @Test
    void without_an_admin_token_configured_the_admin_api_does_not_exist() {
        var env = new HashMap<String, String>();
        env.put("BATCHCALL_ADMIN_TOKEN", null);
        try (var noAdmin = TestServer.start(env, List.of())) {
            var response = noAdmin.admin().get("/admin/v1/workspaces");

            assertThat(response.status()).isEqualTo(404);
            assertThat(response.json().at("/detail/status").asText()).isEqualTo("not_found");
        }
    }
}
