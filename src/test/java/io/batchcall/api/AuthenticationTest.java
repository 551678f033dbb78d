package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.ApiClient;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.util.Map;
import org.junit.jupiter.api.Test;

@WithServer
class AuthenticationTest {
    private static TestServer server;

    @Test
    void a_request_without_any_key_gets_elevenlabs_needs_authorization_401() {
        var response = server.anonymous().get("/v1/batchcall/workspace");

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.body())
                .isEqualTo("{\"detail\":{\"status\":\"needs_authorization\",\"message\":"
                        + "\"Neither authorization header nor xi-api-key received, please provide one.\"}}");
    }

    @Test
    void an_unknown_key_gets_invalid_api_key_401() {
        var response = server.client("bc_this_key_was_never_issued_000").get("/v1/batchcall/workspace");

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.body())
                .isEqualTo("{\"detail\":{\"status\":\"invalid_api_key\",\"message\":\"Invalid API key\"}}");
    }

    @Test
    void the_key_is_accepted_in_xi_api_key_and_as_a_bearer_token() {
        var viaHeader = server.client().get("/v1/batchcall/workspace");
        var viaBearer = new ApiClient(server.port(), Map.of("Authorization", "Bearer " + TestServer.API_KEY))
                .get("/v1/batchcall/workspace");

        assertThat(viaHeader.status()).isEqualTo(200);
        assertThat(viaBearer.status()).isEqualTo(200);
        assertThat(viaBearer.json().get("workspace_id"))
                .isEqualTo(viaHeader.json().get("workspace_id"));
    }

    @Test
    void unknown_routes_under_v1_still_need_a_key_before_anything_is_revealed() {
        assertThat(server.anonymous().get("/v1/convai/nothing").status()).isEqualTo(401);
        assertThat(server.client().get("/v1/convai/nothing").status()).isEqualTo(404);
    }

    @Test
    void each_key_sees_its_own_workspace_only() {
        var keyA = server.newWorkspaceKey("Workspace A");
        var keyB = server.newWorkspaceKey("Workspace B");

        var a = server.client(keyA).get("/v1/batchcall/workspace").json();
        var b = server.client(keyB).get("/v1/batchcall/workspace").json();

        assertThat(a.get("name").asText()).isEqualTo("Workspace A");
        assertThat(b.get("name").asText()).isEqualTo("Workspace B");
        assertThat(a.get("workspace_id")).isNotEqualTo(b.get("workspace_id"));
    }

    @Test
    void a_revoked_key_is_refused_at_once_while_other_keys_of_the_workspace_keep_working() {
        var created = server.admin()
                .post("/admin/v1/workspaces", "{\"name\":\"Revocation\"}")
                .json();
        var workspaceId = created.get("workspace_id").asText();
        var first = created.get("api_key").asText();
        var second = server.admin()
                .postEmpty("/admin/v1/workspaces/" + workspaceId + "/api-keys")
                .json();
        assertThat(server.client(first).get("/v1/batchcall/workspace").status()).isEqualTo(200);

        var revoked = server.admin()
                .delete("/admin/v1/workspaces/" + workspaceId + "/api-keys/"
                        + created.get("api_key_id").asText());

        assertThat(revoked.status()).isEqualTo(204);
        assertThat(server.client(first)
                        .get("/v1/batchcall/workspace")
                        .json()
                        .at("/detail/status")
                        .asText())
                .isEqualTo("invalid_api_key");
        assertThat(server.client(second.get("api_key").asText())
                        .get("/v1/batchcall/workspace")
                        .status())
                .isEqualTo(200);
    }

    @Test
    void a_request_marks_its_key_used_and_leaves_the_workspace_s_other_keys_unmarked() {
        var created = server.admin()
                .post("/admin/v1/workspaces", "{\"name\":\"Last used\"}")
                .json();
        var workspaceId = created.get("workspace_id").asText();
        var unused = server.admin()
                .postEmpty("/admin/v1/workspaces/" + workspaceId + "/api-keys")
                .json();
        assertThat(lastUsed(workspaceId, created.get("api_key_id").asText()).isNull())
                .isTrue();

        assertThat(server.client(created.get("api_key").asText())
                        .get("/v1/batchcall/workspace")
                        .status())
                .isEqualTo(200);

        assertThat(lastUsed(workspaceId, created.get("api_key_id").asText()).isIntegralNumber())
                .isTrue();
        assertThat(lastUsed(workspaceId, unused.get("key_id").asText()).isNull())
                .isTrue();
    }

    private static com.fasterxml.jackson.databind.JsonNode lastUsed(String workspaceId, String keyId) {
        for (var workspace : server.admin().get("/admin/v1/workspaces").json().get("workspaces")) {
            if (workspace.get("workspace_id").asText().equals(workspaceId)) {
                for (var key : workspace.get("api_keys")) {
                    if (key.get("key_id").asText().equals(keyId)) {
                        return key.get("last_used_at_unix");
                    }
                }
            }
        }
        throw new AssertionError("no key " + keyId + " in workspace " + workspaceId);
    }
}
