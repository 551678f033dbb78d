package io.batchcall.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConfigTest {

    @Test
    void an_empty_environment_gives_the_documented_defaults() {
        var config = Config.fromEnvironment(Map.of());

        assertThat(config.http()).isEqualTo(new HttpConfig("127.0.0.1", 8080));
        assertThat(config.database().embedded()).isTrue();
        assertThat(config.database().dataDirectory()).isEqualTo(Path.of("./batchcall-data"));
        assertThat(config.security().apiKey()).isEmpty();
        assertThat(config.security().adminToken()).isEmpty();
        assertThat(config.security().secretKey()).isEmpty();
        assertThat(config.nodeId()).matches("[A-Za-z0-9._-]+-\\d+");
    }

    @Test
    void every_setting_is_read_from_its_variable() {
        var key = new byte[32];
        key[0] = 7;
        var config = Config.fromEnvironment(Map.of(
                "BATCHCALL_HOST", "0.0.0.0",
                "BATCHCALL_PORT", "9090",
                "BATCHCALL_DATABASE_URL", "jdbc:postgresql://db:5432/batchcall",
                "BATCHCALL_DATABASE_USER", "bc",
                "BATCHCALL_DATABASE_PASSWORD", "pw",
                "BATCHCALL_DATA_DIR", "/var/lib/batchcall",
                "BATCHCALL_API_KEY", "a-key-of-at-least-twenty",
                "BATCHCALL_ADMIN_TOKEN", "an-admin-token-16",
                "BATCHCALL_SECRET_KEY", Base64.getEncoder().encodeToString(key),
                "BATCHCALL_NODE_ID", "node-a"));

        assertThat(config.http()).isEqualTo(new HttpConfig("0.0.0.0", 9090));
        assertThat(config.database().externalUrl()).contains("jdbc:postgresql://db:5432/batchcall");
        assertThat(config.database().user()).contains("bc");
        assertThat(config.database().password()).contains("pw");
        assertThat(config.database().dataDirectory()).isEqualTo(Path.of("/var/lib/batchcall"));
        assertThat(config.security().apiKey()).contains("a-key-of-at-least-twenty");
        assertThat(config.security().adminToken()).contains("an-admin-token-16");
        assertThat(config.security().secretKey())
                .hasValueSatisfying(k -> assertThat(k).isEqualTo(key));
        assertThat(config.nodeId()).isEqualTo("node-a");
    }

    @Test
    void request_limits_default_to_the_documented_values_and_a_share_of_the_heap() {
        var limits = Config.fromEnvironment(Map.of()).requestLimits();

        assertThat(limits.maxBodyBytes()).isEqualTo(64L * 1024 * 1024);
        assertThat(limits.jsonMaxDepth()).isEqualTo(64);
        assertThat(limits.jsonMaxStringChars()).isEqualTo(1_000_000);
        assertThat(limits.jsonMaxNumberChars()).isEqualTo(100);
        assertThat(RequestLimitsConfig.defaultBodyMbInFlight(64, 4L * 1024 * 1024 * 1024))
                .isEqualTo(256);
        assertThat(RequestLimitsConfig.defaultBodyMbInFlight(64, 512L * 1024 * 1024))
                .isEqualTo(64);
    }

    @Test
    void request_limits_are_read_from_their_variables_and_room_must_hold_one_largest_body() {
        var limits = Config.fromEnvironment(Map.of(
                        "BATCHCALL_MAX_BODY_MB",
                        "8",
                        "BATCHCALL_JSON_MAX_DEPTH",
                        "20",
                        "BATCHCALL_JSON_MAX_STRING_CHARS",
                        "5000",
                        "BATCHCALL_JSON_MAX_NUMBER_CHARS",
                        "40",
                        "BATCHCALL_BODY_MB_IN_FLIGHT",
                        "16"))
                .requestLimits();

        assertThat(limits).isEqualTo(new RequestLimitsConfig(8L << 20, 20, 5000, 40, 16L << 20));
        assertThatThrownBy(() -> Config.fromEnvironment(
                        Map.of("BATCHCALL_MAX_BODY_MB", "100", "BATCHCALL_BODY_MB_IN_FLIGHT", "50")))
                .hasMessageContaining("BATCHCALL_BODY_MB_IN_FLIGHT (50) must be at least BATCHCALL_MAX_BODY_MB (100)");
    }

    @Test
    void every_bad_value_is_reported_at_once_not_only_the_first() {
        assertThatThrownBy(() -> Config.fromEnvironment(Map.of(
                        "BATCHCALL_PORT", "eighty",
                        "BATCHCALL_DATABASE_URL", "mysql://db/batchcall",
                        "BATCHCALL_API_KEY", "short",
                        "BATCHCALL_ADMIN_TOKEN", "tiny",
                        "BATCHCALL_SECRET_KEY", "not-base64!",
                        "BATCHCALL_NODE_ID", "has spaces")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .hasSize(6)
                                .anySatisfy(p -> assertThat(p).startsWith("BATCHCALL_PORT must be a whole number"))
                                .anySatisfy(p -> assertThat(p).startsWith("BATCHCALL_DATABASE_URL must start with"))
                                .anySatisfy(p -> assertThat(p).startsWith("BATCHCALL_API_KEY must be at least 20"))
                                .anySatisfy(p -> assertThat(p).startsWith("BATCHCALL_ADMIN_TOKEN must be at least 16"))
                                .anySatisfy(
                                        p -> assertThat(p).startsWith("BATCHCALL_SECRET_KEY must be 32 random bytes"))
                                .anySatisfy(p -> assertThat(p).startsWith("BATCHCALL_NODE_ID must be")));
    }

    @Test
    void the_public_url_is_optional_and_twilio_defaults_to_its_real_api() {
        var unset = Config.fromEnvironment(Map.of());
        var set = Config.fromEnvironment(Map.of(
                "BATCHCALL_PUBLIC_URL",
                "https://calls.example.com/batchcall/",
                "BATCHCALL_TWILIO_API_BASE",
                "http://127.0.0.1:9999"));

        assertThat(unset.telephony()).isEqualTo(new TelephonyConfig(Optional.empty(), "https://api.twilio.com"));
        assertThat(set.telephony())
                .isEqualTo(new TelephonyConfig(
                        Optional.of("https://calls.example.com/batchcall"), "http://127.0.0.1:9999"));
    }

    @Test
    void a_public_url_that_is_not_a_plain_http_url_is_rejected() {
        assertThatThrownBy(() -> Config.fromEnvironment(Map.of(
                        "BATCHCALL_PUBLIC_URL",
                        "calls.example.com",
                        "BATCHCALL_TWILIO_API_BASE",
                        "https://api.twilio.com?x=1")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly(
                                        "BATCHCALL_PUBLIC_URL must be an http:// or https:// URL with a host and no query, got"
                                                + " 'calls.example.com'",
                                        "BATCHCALL_TWILIO_API_BASE must be an http:// or https:// URL with a host and no query, got"
                                                + " 'https://api.twilio.com?x=1'"));
    }

    @Test
    void the_sip_user_agent_listens_on_loopback_on_a_free_port_with_rfc_timers_unless_told_otherwise() {
        assertThat(Config.fromEnvironment(Map.of()).sip())
                .isEqualTo(new SipConfig("127.0.0.1", 0, java.time.Duration.ofMillis(500)));
        var sip = Config.fromEnvironment(Map.of(
                        "BATCHCALL_SIP_HOST", "192.0.2.10", "BATCHCALL_SIP_PORT", "5060", "BATCHCALL_SIP_T1_MS", "100"))
                .sip();
        assertThat(sip).isEqualTo(new SipConfig("192.0.2.10", 5060, java.time.Duration.ofMillis(100)));
        assertThat(sip.transactionTimeout()).isEqualTo(java.time.Duration.ofMillis(6_400));
        assertThatThrownBy(
                        () -> Config.fromEnvironment(Map.of("BATCHCALL_SIP_PORT", "70000", "BATCHCALL_SIP_T1_MS", "1")))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.problems()).hasSize(2));
    }

    @Test
    void the_media_bridge_binds_where_sip_listens_on_ports_20000_to_29999_unless_told_otherwise() {
        assertThat(Config.fromEnvironment(Map.of("BATCHCALL_SIP_HOST", "192.0.2.10"))
                        .media())
                .isEqualTo(MediaConfig.defaults("192.0.2.10"));
        var media = Config.fromEnvironment(
                        Map.of("BATCHCALL_MEDIA_ADDRESS", "192.0.2.20", "BATCHCALL_MEDIA_PORTS", "30000-30099"))
                .media();
        assertThat(media.host()).isEqualTo("192.0.2.20");
        assertThat(media.firstPort()).isEqualTo(30_000);
        assertThat(media.lastPort()).isEqualTo(30_099);
        for (var bad : java.util.List.of("20000", "80-90", "30000-20000", "20000-70000", "a-b", "20000-20000")) {
            assertThatThrownBy(() -> Config.fromEnvironment(Map.of("BATCHCALL_MEDIA_PORTS", bad)))
                    .isInstanceOfSatisfying(
                            ConfigException.class,
                            e -> assertThat(e.problems())
                                    .containsExactly("BATCHCALL_MEDIA_PORTS must be a range such as 20000-29999 within"
                                            + " 1024-65535, got '" + bad + "'"));
        }
    }

    @Test
    void the_post_call_event_waits_30_seconds_for_the_agents_report_unless_told_otherwise() {
        assertThat(Config.fromEnvironment(Map.of()).conversations().postCallReportWait())
                .isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(Config.fromEnvironment(Map.of("BATCHCALL_POST_CALL_WAIT_SECS", "0"))
                        .conversations()
                        .postCallReportWait())
                .isZero();
        assertOnlyProblemNames(Map.of("BATCHCALL_POST_CALL_WAIT_SECS", "3601"), "BATCHCALL_POST_CALL_WAIT_SECS");
    }

    @Test
    void a_single_call_waits_15_seconds_past_its_ringing_timeout_unless_told_otherwise() {
        assertThat(Config.fromEnvironment(Map.of()).singleCalls().dialWaitMargin())
                .isEqualTo(java.time.Duration.ofSeconds(15));
        assertThat(Config.fromEnvironment(Map.of("BATCHCALL_SINGLE_CALL_WAIT_MARGIN_SECS", "2"))
                        .singleCalls()
                        .dialWaitMargin())
                .isEqualTo(java.time.Duration.ofSeconds(2));
        assertOnlyProblemNames(
                Map.of("BATCHCALL_SINGLE_CALL_WAIT_MARGIN_SECS", "0"), "BATCHCALL_SINGLE_CALL_WAIT_MARGIN_SECS");
    }

    @Test
    void sip_limits_and_private_networks_have_safe_defaults_and_bad_values_are_listed() {
        var defaults = Config.fromEnvironment(Map.of());
        assertThat(defaults.sip().limits()).isEqualTo(new SipLimits(16_384, 256, java.time.Duration.ofSeconds(32)));
        assertThat(defaults.egress().allowPrivateNetworks()).isFalse();
        var set = Config.fromEnvironment(Map.of(
                "BATCHCALL_SIP_MAX_MESSAGE_BYTES",
                "8192",
                "BATCHCALL_SIP_MAX_TCP_CONNECTIONS",
                "10",
                "BATCHCALL_SIP_TCP_READ_TIMEOUT_MS",
                "5000",
                "BATCHCALL_ALLOW_PRIVATE_NETWORKS",
                "TRUE"));
        assertThat(set.sip().limits()).isEqualTo(new SipLimits(8_192, 10, java.time.Duration.ofSeconds(5)));
        assertThat(set.egress().allowPrivateNetworks()).isTrue();
        assertThatThrownBy(() -> Config.fromEnvironment(Map.of(
                        "BATCHCALL_SIP_MAX_MESSAGE_BYTES",
                        "1000",
                        "BATCHCALL_SIP_MAX_TCP_CONNECTIONS",
                        "0",
                        "BATCHCALL_SIP_TCP_READ_TIMEOUT_MS",
                        "10",
                        "BATCHCALL_ALLOW_PRIVATE_NETWORKS",
                        "yes")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly(
                                        "BATCHCALL_SIP_MAX_MESSAGE_BYTES must be a whole number from 4096 to 65535, got '1000'",
                                        "BATCHCALL_SIP_MAX_TCP_CONNECTIONS must be a whole number from 1 to 100000, got '0'",
                                        "BATCHCALL_SIP_TCP_READ_TIMEOUT_MS must be a whole number from 100 to 3600000, got '10'",
                                        "BATCHCALL_ALLOW_PRIVATE_NETWORKS must be true or false, got 'yes'"));
    }

    @Test
    void secrets_are_never_echoed_in_error_messages() {
        assertThatThrownBy(() -> Config.fromEnvironment(Map.of("BATCHCALL_API_KEY", "sekrit sekrit")))
                .isInstanceOf(ConfigException.class)
                .message()
                .doesNotContain("sekrit");
    }

    @Test
    void a_port_outside_the_tcp_range_is_rejected() {
        assertThatThrownBy(() -> Config.fromEnvironment(Map.of("BATCHCALL_PORT", "70000")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly("BATCHCALL_PORT must be a whole number from 0 to 65535, got '70000'"));
    }

    @Test
    void database_credentials_without_a_database_url_are_a_mistake() {
        assertThatThrownBy(() -> Config.fromEnvironment(
                        Map.of("BATCHCALL_DATABASE_USER", "bc", "BATCHCALL_DATABASE_PASSWORD", "pw")))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.problems()).hasSize(2));
    }

    @Test
    void statement_statistics_are_off_unless_asked_for_and_then_on_for_the_embedded_database() {
        assertThat(Config.fromEnvironment(Map.of()).database().statementStats()).isFalse();
        assertThat(Config.fromEnvironment(Map.of("BATCHCALL_DATABASE_STATEMENT_STATS", "true"))
                        .database()
                        .statementStats())
                .isTrue();
    }

    @Test
    void statement_statistics_for_an_external_database_are_a_mistake_that_says_where_to_set_them() {
        assertThatThrownBy(() -> Config.fromEnvironment(Map.of(
                        "BATCHCALL_DATABASE_URL",
                        "jdbc:postgresql://db/bc",
                        "BATCHCALL_DATABASE_STATEMENT_STATS",
                        "true")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .singleElement()
                                .asString()
                                .contains("BATCHCALL_DATABASE_STATEMENT_STATS", "embedded database only")
                                .contains("external PostgreSQL's own configuration"));
    }

    @Test
    void a_libpq_style_url_gets_a_hint_towards_the_jdbc_form() {
        assertThatThrownBy(() -> Config.fromEnvironment(Map.of("BATCHCALL_DATABASE_URL", "postgres://u:p@db/bc")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems().getFirst())
                                .contains("jdbc:postgresql://host:5432/batchcall")
                                .doesNotContain("u:p"));
    }

    @Test
    void blank_variables_count_as_unset() {
        var config = Config.fromEnvironment(Map.of("BATCHCALL_PORT", " ", "BATCHCALL_DATABASE_URL", ""));

        assertThat(config.http().port()).isEqualTo(8080);
        assertThat(config.database().embedded()).isTrue();
    }

    @Test
    void the_records_do_not_print_secrets() {
        var config = Config.fromEnvironment(Map.of(
                "BATCHCALL_DATABASE_URL",
                "jdbc:postgresql://db/bc",
                "BATCHCALL_DATABASE_PASSWORD",
                "db-password",
                "BATCHCALL_API_KEY",
                "a-key-of-at-least-twenty"));

        assertThat(config.toString()).doesNotContain("db-password").doesNotContain("a-key-of-at-least-twenty");
    }

    @Test
    void dispatch_and_simulator_settings_have_defaults_and_are_checked() {
        var defaults = Config.fromEnvironment(Map.of());
        var tuned = Config.fromEnvironment(Map.of(
                "BATCHCALL_LEASE_TIMEOUT_SECS",
                "6",
                "BATCHCALL_SIMULATOR_RING_MS",
                "0",
                "BATCHCALL_SIMULATOR_TALK_MS",
                "250",
                "BATCHCALL_SIMULATOR_BUSY",
                "0.5",
                "BATCHCALL_SIMULATOR_FAILED",
                "0"));

        assertThat(defaults.dispatch().leaseTimeout()).isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(defaults.dispatch().heartbeatInterval()).isEqualTo(java.time.Duration.ofSeconds(10));
        assertThat(defaults.simulator()).isEqualTo(SimulatorConfig.defaults());
        assertThat(tuned.dispatch().leaseTimeout()).isEqualTo(java.time.Duration.ofSeconds(6));
        assertThat(tuned.simulator().talk()).isEqualTo(java.time.Duration.ofMillis(250));
        assertThat(tuned.simulator().busy()).isEqualTo(0.5);
        assertThatThrownBy(() -> Config.fromEnvironment(
                        Map.of("BATCHCALL_SIMULATOR_BUSY", "1.5", "BATCHCALL_LEASE_TIMEOUT_SECS", "1")))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.problems()).hasSize(2));
        assertThatThrownBy(() -> Config.fromEnvironment(
                        Map.of("BATCHCALL_SIMULATOR_BUSY", "0.6", "BATCHCALL_SIMULATOR_VOICEMAIL", "0.6")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems().getFirst()).contains("add up to at most 1"));
    }

    @Test
    void metrics_show_workspaces_only_when_enabled_or_behind_a_token_and_bad_values_are_reported() {
        assertThat(Config.fromEnvironment(Map.of()).observability().showsWorkspaces())
                .isFalse();
        assertThat(Config.fromEnvironment(Map.of("BATCHCALL_METRICS_WORKSPACE_LABELS", "true"))
                        .observability()
                        .showsWorkspaces())
                .isTrue();
        var tokened = Config.fromEnvironment(Map.of("BATCHCALL_METRICS_TOKEN", "a-metrics-token-16"))
                .observability();
        assertThat(tokened.showsWorkspaces()).isTrue();
        assertThat(tokened.metricsToken()).contains("a-metrics-token-16");
        assertThat(tokened.toString()).doesNotContain("a-metrics-token-16");

        assertThatThrownBy(() -> Config.fromEnvironment(
                        Map.of("BATCHCALL_METRICS_WORKSPACE_LABELS", "yes", "BATCHCALL_METRICS_TOKEN", "short")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly(
                                        "BATCHCALL_METRICS_WORKSPACE_LABELS must be true or false, got 'yes'",
                                        "BATCHCALL_METRICS_TOKEN must be at least 16 printable characters without spaces"));
    }

    @Test
    void upload_and_rate_limits_have_documented_defaults_and_are_checked() {
        var defaults = Config.fromEnvironment(Map.of());
        var tuned = Config.fromEnvironment(Map.of(
                "BATCHCALL_UPLOAD_MAX_COLUMNS",
                "50",
                "BATCHCALL_UPLOADS_CONCURRENT",
                "2",
                "BATCHCALL_RATE_LIMIT_PER_KEY",
                "10",
                "BATCHCALL_RATE_LIMIT_UNKNOWN_KEYS_BURST",
                "7",
                "BATCHCALL_AUTH_MAX_CONCURRENT_LOOKUPS",
                "3"));

        assertThat(defaults.uploads()).isEqualTo(new UploadLimitsConfig(200, 20_000, 4));
        assertThat(defaults.rateLimits())
                .isEqualTo(new RateLimitConfig(
                        new RateLimitConfig.Rate(200, 2_000),
                        new RateLimitConfig.Rate(1_000, 5_000),
                        new RateLimitConfig.Rate(5, 50),
                        8));
        assertThat(tuned.uploads()).isEqualTo(new UploadLimitsConfig(50, 20_000, 2));
        assertThat(tuned.rateLimits().perKey()).isEqualTo(new RateLimitConfig.Rate(10, 2_000));
        assertThat(tuned.rateLimits().unknownKeysPerAddress()).isEqualTo(new RateLimitConfig.Rate(5, 7));
        assertThat(tuned.rateLimits().maxConcurrentKeyLookups()).isEqualTo(3);
        assertThatThrownBy(() -> Config.fromEnvironment(Map.of(
                        "BATCHCALL_UPLOADS_CONCURRENT",
                        "0",
                        "BATCHCALL_RATE_LIMIT_PER_ADDRESS",
                        "-1",
                        "BATCHCALL_UPLOAD_MAX_CELL_CHARS",
                        "lots")))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.problems()).hasSize(3));
    }

    @Test
    void webhook_settings_are_read_with_their_defaults_and_bounds() {
        var defaults = Config.fromEnvironment(Map.of());
        assertThat(defaults.webhooks()).isEqualTo(WebhookConfig.defaults());
        assertThat(defaults.egress().allowPrivateNetworks()).isFalse();

        var set = Config.fromEnvironment(Map.of(
                "BATCHCALL_WEBHOOK_TIMEOUT_SECS",
                "5",
                "BATCHCALL_WEBHOOK_MAX_IN_FLIGHT",
                "4",
                "BATCHCALL_WEBHOOK_POLL_MS",
                "250",
                "BATCHCALL_WEBHOOK_REQUIRE_HTTPS",
                "true",
                "BATCHCALL_WEBHOOK_ROTATION_GRACE_SECS",
                "60",
                "BATCHCALL_ALLOW_PRIVATE_NETWORKS",
                "TRUE"));
        assertThat(set.webhooks())
                .isEqualTo(new WebhookConfig(
                        java.time.Duration.ofSeconds(5),
                        4,
                        java.time.Duration.ofMillis(250),
                        true,
                        java.time.Duration.ofSeconds(60)));
        assertThat(set.webhooks().lease()).isEqualTo(java.time.Duration.ofSeconds(35));
        assertThat(set.egress().allowPrivateNetworks()).isTrue();

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Config.fromEnvironment(
                        Map.of("BATCHCALL_WEBHOOK_TIMEOUT_SECS", "0", "BATCHCALL_WEBHOOK_REQUIRE_HTTPS", "yes")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("BATCHCALL_WEBHOOK_TIMEOUT_SECS")
                .hasMessageContaining("BATCHCALL_WEBHOOK_REQUIRE_HTTPS must be true or false");
    }

    /** The environment is refused with one problem, which names the setting. */
    private static void assertOnlyProblemNames(Map<String, String> env, String setting) {
        assertThatThrownBy(() -> Config.fromEnvironment(env))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems()).singleElement().asString().contains(setting));
    }
}
