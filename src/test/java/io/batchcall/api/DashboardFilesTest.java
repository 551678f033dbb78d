package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import org.junit.jupiter.api.Test;

/** The dashboard's files are served from the jar at {@code /}, without shadowing any API path. */
@WithServer
class DashboardFilesTest {
    private static TestServer server;

    @Test
    void the_root_serves_the_dashboard_with_a_policy_that_allows_nothing_from_elsewhere() {
        var page = server.anonymous().get("/");

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
        assertThat(page.body()).contains("<script type=\"module\" src=\"js/app.js\">");
        assertThat(page.headers().firstValue("Content-Security-Policy"))
                .hasValueSatisfying(
                        policy -> assertThat(policy).contains("default-src 'self'", "frame-ancestors 'none'"));
    }

    @Test
    void scripts_styles_and_the_template_are_served_with_their_types() {
        assertThat(server.anonymous().get("/js/app.js").headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).contains("javascript"));
        assertThat(server.anonymous().get("/style.css").headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/css"));
        assertThat(server.anonymous().get("/template.csv").body()).startsWith("phone_number,");
    }

    @Test
    void api_paths_keep_answering_in_json_beside_the_files() {
        var noKey = server.anonymous().get("/v1/unknown");
        var unknown = server.client().get("/v1/unknown");
        var missingFile = server.anonymous().get("/no-such-file.js");

        assertThat(noKey.status()).isEqualTo(401);
        assertThat(noKey.json().at("/detail/status").asText()).isEqualTo("needs_authorization");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().at("/detail/status").asText()).isEqualTo("not_found");
        assertThat(missingFile.status()).isEqualTo(404);
        assertThat(server.anonymous().get("/health").json().get("status").asText())
                .isEqualTo("ok");
    }
}
