package io.batchcall.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

/** The whole configuration of one batchcall node, read from environment variables. */
public record Config(
        HttpConfig http,
        DatabaseConfig database,
        SecurityConfig security,
        String nodeId,
        DispatchConfig dispatch,
        SimulatorConfig simulator,
        TelephonyConfig telephony,
        SipConfig sip,
        ObservabilityConfig observability,
        EgressConfig egress,
        UploadLimitsConfig uploads,
        RateLimitConfig rateLimits,
        RequestLimitsConfig requestLimits,
        WebhookConfig webhooks,
        ConversationConfig conversations,
        SingleCallConfig singleCalls,
        MediaConfig media,
        WhatsAppConfig whatsapp) {

    private static final Pattern GRAPH_VERSION = Pattern.compile("v\\d{1,3}\\.\\d{1,3}");
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern MEDIA_PORTS = Pattern.compile("(\\d{1,5})-(\\d{1,5})");
    static final int MIN_API_KEY_LENGTH = 20;
    static final int MIN_ADMIN_TOKEN_LENGTH = 16;
    static final int SECRET_KEY_BYTES = 32;

    /**
     * Parses the environment. Every bad value is collected, so that one failed start lists every problem.
     *
     * @throws ConfigException with all problems when any value is bad
     */
    public static Config fromEnvironment(Map<String, String> env) {
        var reader = new EnvironmentReader(env);
        var http = new HttpConfig(
                reader.text("BATCHCALL_HOST", "127.0.0.1"), reader.integer("BATCHCALL_PORT", 8080, 0, 65_535));
        var database = new DatabaseConfig(
                reader.optional("BATCHCALL_DATABASE_URL").flatMap(url -> reader.jdbcUrl("BATCHCALL_DATABASE_URL", url)),
                reader.optional("BATCHCALL_DATABASE_USER"),
                reader.optional("BATCHCALL_DATABASE_PASSWORD"),
                Path.of(reader.text("BATCHCALL_DATA_DIR", "./batchcall-data")),
                reader.bool("BATCHCALL_DATABASE_STATEMENT_STATS", false));
        if (database.embedded()) {
            reader.onlyWith("BATCHCALL_DATABASE_USER", "BATCHCALL_DATABASE_URL");
            reader.onlyWith("BATCHCALL_DATABASE_PASSWORD", "BATCHCALL_DATABASE_URL");
        } else if (database.statementStats()) {
            // An external server's libraries are its administrator's to choose, and loading one needs a restart.
            reader.problem("BATCHCALL_DATABASE_STATEMENT_STATS applies to the embedded database only: load"
                    + " pg_stat_statements in the external PostgreSQL's own configuration");
        }
        var security = new SecurityConfig(
                reader.optional("BATCHCALL_API_KEY")
                        .flatMap(key -> reader.secret("BATCHCALL_API_KEY", key, MIN_API_KEY_LENGTH)),
                reader.optional("BATCHCALL_ADMIN_TOKEN")
                        .flatMap(token -> reader.secret("BATCHCALL_ADMIN_TOKEN", token, MIN_ADMIN_TOKEN_LENGTH)),
                reader.optional("BATCHCALL_SECRET_KEY").flatMap(key -> reader.aesKey("BATCHCALL_SECRET_KEY", key)));
        var nodeId = reader.optional("BATCHCALL_NODE_ID")
                .map(id ->
                        reader.matching("BATCHCALL_NODE_ID", id, NODE_ID, "1 to 64 letters, digits, '.', '_' or '-'"))
                .orElseGet(Config::defaultNodeId);
        var dispatch = new DispatchConfig(Duration.ofSeconds(reader.integer(
                "BATCHCALL_LEASE_TIMEOUT_SECS", (int) DispatchConfig.DEFAULT_LEASE_TIMEOUT.toSeconds(), 3, 3_600)));
        var simulatorDefaults = SimulatorConfig.defaults();
        var simulator = new SimulatorConfig(
                Duration.ofMillis(reader.integer(
                        "BATCHCALL_SIMULATOR_RING_MS",
                        (int) simulatorDefaults.ring().toMillis(),
                        0,
                        3_600_000)),
                Duration.ofMillis(reader.integer(
                        "BATCHCALL_SIMULATOR_TALK_MS",
                        (int) simulatorDefaults.talk().toMillis(),
                        0,
                        3_600_000)),
                reader.probability("BATCHCALL_SIMULATOR_BUSY", simulatorDefaults.busy()),
                reader.probability("BATCHCALL_SIMULATOR_NO_ANSWER", simulatorDefaults.noAnswer()),
                reader.probability("BATCHCALL_SIMULATOR_VOICEMAIL", simulatorDefaults.voicemail()),
                reader.probability("BATCHCALL_SIMULATOR_FAILED", simulatorDefaults.failed()));
        if (simulator.busy() + simulator.noAnswer() + simulator.voicemail() + simulator.failed() > 1.0) {
            reader.problem("BATCHCALL_SIMULATOR_BUSY, _NO_ANSWER, _VOICEMAIL and _FAILED must add up to at most 1");
        }
        var telephony = new TelephonyConfig(
                reader.optional("BATCHCALL_PUBLIC_URL").flatMap(url -> reader.baseUrl("BATCHCALL_PUBLIC_URL", url)),
                reader.optional("BATCHCALL_TWILIO_API_BASE")
                        .flatMap(url -> reader.baseUrl("BATCHCALL_TWILIO_API_BASE", url))
                        .orElse(TelephonyConfig.DEFAULT_TWILIO_API_BASE),
                reader.optional("BATCHCALL_EXOTEL_API_BASE")
                        .flatMap(url -> reader.baseUrl("BATCHCALL_EXOTEL_API_BASE", url)),
                reader.integer(
                        "BATCHCALL_EXOTEL_REQUESTS_PER_MINUTE",
                        TelephonyConfig.DEFAULT_EXOTEL_REQUESTS_PER_MINUTE,
                        1,
                        100_000));
        var sip = new SipConfig(
                reader.text("BATCHCALL_SIP_HOST", "127.0.0.1"),
                reader.integer("BATCHCALL_SIP_PORT", 0, 0, 65_535),
                Duration.ofMillis(
                        reader.integer("BATCHCALL_SIP_T1_MS", (int) SipConfig.DEFAULT_T1.toMillis(), 10, 10_000)),
                new SipLimits(
                        reader.integer(
                                "BATCHCALL_SIP_MAX_MESSAGE_BYTES",
                                SipLimits.DEFAULT_MAX_MESSAGE_BYTES,
                                SipLimits.MIN_MAX_MESSAGE_BYTES,
                                65_535),
                        reader.integer(
                                "BATCHCALL_SIP_MAX_TCP_CONNECTIONS", SipLimits.DEFAULT_MAX_TCP_CONNECTIONS, 1, 100_000),
                        Duration.ofMillis(reader.integer(
                                "BATCHCALL_SIP_TCP_READ_TIMEOUT_MS",
                                (int) SipLimits.DEFAULT_TCP_READ_TIMEOUT.toMillis(),
                                100,
                                3_600_000))));
        var media = media(reader, sip.host());
        var observability = new ObservabilityConfig(
                reader.bool("BATCHCALL_METRICS_WORKSPACE_LABELS", false),
                reader.optional("BATCHCALL_METRICS_TOKEN")
                        .flatMap(token -> reader.secret("BATCHCALL_METRICS_TOKEN", token, MIN_ADMIN_TOKEN_LENGTH)));
        var egress = new EgressConfig(reader.bool("BATCHCALL_ALLOW_PRIVATE_NETWORKS", false));
        var uploads = new UploadLimitsConfig(
                reader.integer("BATCHCALL_UPLOAD_MAX_COLUMNS", UploadLimitsConfig.DEFAULT_MAX_COLUMNS, 2, 16_384),
                reader.integer(
                        "BATCHCALL_UPLOAD_MAX_CELL_CHARS",
                        UploadLimitsConfig.DEFAULT_MAX_CELL_CHARACTERS,
                        100,
                        1_000_000),
                reader.integer(
                        "BATCHCALL_UPLOADS_CONCURRENT", UploadLimitsConfig.DEFAULT_MAX_CONCURRENT_UPLOADS, 1, 1_000));
        var rateLimits = new RateLimitConfig(
                reader.rate("BATCHCALL_RATE_LIMIT_PER_KEY", RateLimitConfig.DEFAULT_PER_KEY),
                reader.rate("BATCHCALL_RATE_LIMIT_PER_ADDRESS", RateLimitConfig.DEFAULT_PER_ADDRESS),
                reader.rate("BATCHCALL_RATE_LIMIT_UNKNOWN_KEYS", RateLimitConfig.DEFAULT_UNKNOWN_KEYS_PER_ADDRESS),
                reader.integer(
                        "BATCHCALL_AUTH_MAX_CONCURRENT_LOOKUPS",
                        RateLimitConfig.DEFAULT_MAX_CONCURRENT_KEY_LOOKUPS,
                        1,
                        1_000));
        var requestLimits = requestLimits(reader);
        var webhooks = new WebhookConfig(
                Duration.ofSeconds(reader.integer(
                        "BATCHCALL_WEBHOOK_TIMEOUT_SECS",
                        (int) WebhookConfig.DEFAULT_REQUEST_TIMEOUT.toSeconds(),
                        1,
                        300)),
                reader.integer("BATCHCALL_WEBHOOK_MAX_IN_FLIGHT", WebhookConfig.DEFAULT_MAX_IN_FLIGHT, 1, 1_000),
                Duration.ofMillis(reader.integer(
                        "BATCHCALL_WEBHOOK_POLL_MS", (int) WebhookConfig.DEFAULT_POLL_INTERVAL.toMillis(), 10, 60_000)),
                reader.bool("BATCHCALL_WEBHOOK_REQUIRE_HTTPS", false),
                Duration.ofSeconds(reader.integer(
                        "BATCHCALL_WEBHOOK_ROTATION_GRACE_SECS",
                        (int) WebhookConfig.DEFAULT_ROTATION_GRACE.toSeconds(),
                        0,
                        7 * 24 * 3600)));
        var conversations = new ConversationConfig(Duration.ofSeconds(reader.integer(
                "BATCHCALL_POST_CALL_WAIT_SECS",
                (int) ConversationConfig.DEFAULT_POST_CALL_REPORT_WAIT.toSeconds(),
                0,
                3_600)));
        var singleCalls = new SingleCallConfig(Duration.ofSeconds(reader.integer(
                "BATCHCALL_SINGLE_CALL_WAIT_MARGIN_SECS",
                (int) SingleCallConfig.DEFAULT_DIAL_WAIT_MARGIN.toSeconds(),
                1,
                300)));
        var whatsapp = whatsapp(reader);
        reader.failIfProblems();
        return new Config(
                http,
                database,
                security,
                nodeId,
                dispatch,
                simulator,
                telephony,
                sip,
                observability,
                egress,
                uploads,
                rateLimits,
                requestLimits,
                webhooks,
                conversations,
                singleCalls,
                media,
                whatsapp);
    }

    /** Meta's Graph API for WhatsApp calls: base URL, default version, and the permission wait (ISO-8601). */
    private static WhatsAppConfig whatsapp(EnvironmentReader reader) {
        var url = reader.optional("BATCHCALL_WHATSAPP_GRAPH_URL")
                .flatMap(value -> reader.baseUrl("BATCHCALL_WHATSAPP_GRAPH_URL", value))
                .orElse(WhatsAppConfig.DEFAULT_GRAPH_URL);
        var version = reader.optional("BATCHCALL_WHATSAPP_GRAPH_VERSION")
                .map(value -> reader.matching(
                        "BATCHCALL_WHATSAPP_GRAPH_VERSION", value, GRAPH_VERSION, "a Graph API version such as v23.0"))
                .orElse(WhatsAppConfig.DEFAULT_GRAPH_VERSION);
        var wait = WhatsAppConfig.DEFAULT_PERMISSION_WAIT;
        var waitText = reader.optional("BATCHCALL_WHATSAPP_PERMISSION_WAIT");
        if (waitText.isPresent()) {
            try {
                wait = Duration.parse(waitText.get());
                if (wait.isNegative() || wait.isZero() || wait.compareTo(Duration.ofDays(7)) > 0) {
                    reader.problem("BATCHCALL_WHATSAPP_PERMISSION_WAIT must be positive and at most P7D (Meta's"
                            + " request lives 7 days)");
                    wait = WhatsAppConfig.DEFAULT_PERMISSION_WAIT;
                }
            } catch (java.time.format.DateTimeParseException e) {
                reader.problem("BATCHCALL_WHATSAPP_PERMISSION_WAIT must be an ISO-8601 duration such as P7D or PT12H");
            }
        }
        return new WhatsAppConfig(url, version, wait);
    }

    /**
     * The media bridge's address (the SIP host unless told otherwise: RTP usually goes where signalling does; a
     * name is resolved once, at start, and our SDP carries the address) and its port range, written
     * {@code first-last}.
     */
    private static MediaConfig media(EnvironmentReader reader, String sipHost) {
        var host = reader.text("BATCHCALL_MEDIA_ADDRESS", sipHost);
        var defaults = MediaConfig.defaults(host);
        int first = defaults.firstPort();
        int last = defaults.lastPort();
        var ports = reader.optional("BATCHCALL_MEDIA_PORTS");
        if (ports.isPresent()) {
            var range = MEDIA_PORTS.matcher(ports.get());
            int from = range.matches() ? Integer.parseInt(range.group(1)) : -1;
            int to = range.matches() ? Integer.parseInt(range.group(2)) : -1;
            // Two ports at least: one even port for RTP and its odd neighbour, which RTCP would take.
            if (from >= 1024 && to <= 65_535 && to - from >= 1) {
                first = from;
                last = to;
            } else {
                reader.problem("BATCHCALL_MEDIA_PORTS must be a range such as 20000-29999 within 1024-65535, got '"
                        + ports.get() + "'");
            }
        }
        return new MediaConfig(host, first, last, defaults.jitterDepth(), defaults.callerSilenceTimeout());
    }

    private static RequestLimitsConfig requestLimits(EnvironmentReader reader) {
        int maxBodyMb = reader.integer("BATCHCALL_MAX_BODY_MB", RequestLimitsConfig.DEFAULT_MAX_BODY_MB, 1, 1_024);
        int depth = reader.integer("BATCHCALL_JSON_MAX_DEPTH", RequestLimitsConfig.DEFAULT_JSON_MAX_DEPTH, 8, 1_000);
        int stringChars = reader.integer(
                "BATCHCALL_JSON_MAX_STRING_CHARS",
                RequestLimitsConfig.DEFAULT_JSON_MAX_STRING_CHARS,
                1_000,
                100_000_000);
        int numberChars = reader.integer(
                "BATCHCALL_JSON_MAX_NUMBER_CHARS", RequestLimitsConfig.DEFAULT_JSON_MAX_NUMBER_CHARS, 20, 1_000);
        int inFlightMb = reader.integer(
                "BATCHCALL_BODY_MB_IN_FLIGHT",
                RequestLimitsConfig.defaultBodyMbInFlight(
                        maxBodyMb, Runtime.getRuntime().maxMemory()),
                1,
                65_536);
        if (inFlightMb < maxBodyMb) {
            reader.problem("BATCHCALL_BODY_MB_IN_FLIGHT (" + inFlightMb + ") must be at least BATCHCALL_MAX_BODY_MB ("
                    + maxBodyMb + "): otherwise the largest body allowed could never be read");
            return RequestLimitsConfig.defaults();
        }
        return RequestLimitsConfig.ofMegabytes(maxBodyMb, depth, stringChars, numberChars, inFlightMb);
    }

    private static String defaultNodeId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "node";
        }
        var id = host.replaceAll("[^A-Za-z0-9._-]", "-") + "-"
                + ProcessHandle.current().pid();
        return id.length() <= 64 ? id : id.substring(id.length() - 64);
    }
}
