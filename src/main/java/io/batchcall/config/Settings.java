package io.batchcall.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Every setting {@link Config#fromEnvironment} reads, for {@code --help}. A test reads the environment through a
 * recording map and checks that this list and Config's reads are the same names, so neither can drift. Defaults
 * come from the constants Config uses where there is one.
 */
public final class Settings {
    private static final SimulatorConfig SIMULATOR = SimulatorConfig.defaults();

    public static final List<Setting> ALL = List.of(
            new Setting("BATCHCALL_HOST", "127.0.0.1", "Address to listen on (0.0.0.0: every interface)."),
            new Setting("BATCHCALL_PORT", "8080", "HTTP port (0: any free port)."),
            new Setting(
                    "BATCHCALL_DATABASE_URL",
                    "unset: embedded PostgreSQL",
                    "An external PostgreSQL as a JDBC URL, e.g. jdbc:postgresql://db:5432/batchcall."),
            new Setting("BATCHCALL_DATABASE_USER", "unset", "User for the external database."),
            new Setting("BATCHCALL_DATABASE_PASSWORD", "unset", "Password for the external database."),
            new Setting(
                    "BATCHCALL_DATABASE_STATEMENT_STATS",
                    "false",
                    "true: the embedded database loads pg_stat_statements, each statement's calls, time, blocks"
                            + " and WAL readable from its view (a diagnosis; it costs a little on every statement)."),
            new Setting(
                    "BATCHCALL_DATA_DIR",
                    "./batchcall-data",
                    "The embedded database's data and the generated secret key (back it up)."),
            new Setting(
                    "BATCHCALL_API_KEY",
                    "unset: generated and printed once",
                    "The default workspace's API key (at least " + Config.MIN_API_KEY_LENGTH + " characters)."),
            new Setting(
                    "BATCHCALL_ADMIN_TOKEN",
                    "unset: admin API off",
                    "Bearer token of the /admin API (at least " + Config.MIN_ADMIN_TOKEN_LENGTH + " characters)."),
            new Setting(
                    "BATCHCALL_SECRET_KEY",
                    "unset: generated",
                    Config.SECRET_KEY_BYTES + " random bytes in base64 that encrypt provider credentials at rest"
                            + " (unset: kept in $BATCHCALL_DATA_DIR/secret.key)."),
            new Setting("BATCHCALL_NODE_ID", "host name + pid", "This node's name in leases and logs."),
            new Setting(
                    "BATCHCALL_LEASE_TIMEOUT_SECS",
                    Long.toString(DispatchConfig.DEFAULT_LEASE_TIMEOUT.toSeconds()),
                    "How long a node's claim on a call lives without a heartbeat (3 to 3600)."),
            new Setting(
                    "BATCHCALL_SIMULATOR_RING_MS",
                    Long.toString(SIMULATOR.ring().toMillis()),
                    "How long a simulated call rings."),
            new Setting(
                    "BATCHCALL_SIMULATOR_TALK_MS",
                    Long.toString(SIMULATOR.talk().toMillis()),
                    "How long an answered simulated call talks."),
            new Setting(
                    "BATCHCALL_SIMULATOR_BUSY", Double.toString(SIMULATOR.busy()), "Odds a simulated call ends busy."),
            new Setting(
                    "BATCHCALL_SIMULATOR_NO_ANSWER",
                    Double.toString(SIMULATOR.noAnswer()),
                    "Odds a simulated call is not answered."),
            new Setting(
                    "BATCHCALL_SIMULATOR_VOICEMAIL",
                    Double.toString(SIMULATOR.voicemail()),
                    "Odds a simulated call reaches voicemail."),
            new Setting(
                    "BATCHCALL_SIMULATOR_FAILED", Double.toString(SIMULATOR.failed()), "Odds a simulated call fails."),
            new Setting(
                    "BATCHCALL_PUBLIC_URL",
                    "unset",
                    "This server's externally reachable base URL, for provider callbacks (needed for Twilio)."),
            new Setting("BATCHCALL_TWILIO_API_BASE", TelephonyConfig.DEFAULT_TWILIO_API_BASE, "Twilio's REST API."),
            new Setting(
                    "BATCHCALL_EXOTEL_API_BASE",
                    "unset: https://{api_subdomain}",
                    "Replaces every Exotel number's API host (tests point it at a fake)."),
            new Setting(
                    "BATCHCALL_EXOTEL_REQUESTS_PER_MINUTE",
                    Integer.toString(TelephonyConfig.DEFAULT_EXOTEL_REQUESTS_PER_MINUTE),
                    "Exotel API requests one account is sent a minute, by all nodes together."),
            new Setting(
                    "BATCHCALL_SIP_HOST",
                    "127.0.0.1",
                    "Address of the SIP user agent; trunks and agents must reach it."),
            new Setting("BATCHCALL_SIP_PORT", "0: a free port", "SIP port, UDP and TCP."),
            new Setting(
                    "BATCHCALL_SIP_T1_MS", Long.toString(SipConfig.DEFAULT_T1.toMillis()), "SIP timer T1 (RFC 3261)."),
            new Setting(
                    "BATCHCALL_SIP_MAX_MESSAGE_BYTES",
                    Integer.toString(SipLimits.DEFAULT_MAX_MESSAGE_BYTES),
                    "Largest SIP message read."),
            new Setting(
                    "BATCHCALL_SIP_MAX_TCP_CONNECTIONS",
                    Integer.toString(SipLimits.DEFAULT_MAX_TCP_CONNECTIONS),
                    "Inbound SIP TCP connections served at once."),
            new Setting(
                    "BATCHCALL_SIP_TCP_READ_TIMEOUT_MS",
                    Long.toString(SipLimits.DEFAULT_TCP_READ_TIMEOUT.toMillis()),
                    "An inbound SIP TCP connection silent this long is closed."),
            new Setting(
                    "BATCHCALL_MEDIA_ADDRESS",
                    "BATCHCALL_SIP_HOST",
                    "Address the media bridge binds RTP on and puts in its SDP."),
            new Setting(
                    "BATCHCALL_MEDIA_PORTS",
                    MediaConfig.DEFAULT_FIRST_PORT + "-" + MediaConfig.DEFAULT_LAST_PORT,
                    "UDP ports of the media bridge, one even port per bridged call."),
            new Setting(
                    "BATCHCALL_WHATSAPP_GRAPH_URL",
                    WhatsAppConfig.DEFAULT_GRAPH_URL,
                    "Meta's Graph API, for WhatsApp calls (tests point it at a fake)."),
            new Setting(
                    "BATCHCALL_WHATSAPP_GRAPH_VERSION",
                    WhatsAppConfig.DEFAULT_GRAPH_VERSION,
                    "Graph API version a WhatsApp account uses unless its settings name one."),
            new Setting(
                    "BATCHCALL_WHATSAPP_PERMISSION_WAIT",
                    "P7D",
                    "How long a recipient waits for a WhatsApp user's call permission before it fails."),
            new Setting(
                    "BATCHCALL_METRICS_WORKSPACE_LABELS",
                    "false",
                    "true: /metrics shows meters tagged with a workspace id."),
            new Setting(
                    "BATCHCALL_METRICS_TOKEN",
                    "unset: /metrics open",
                    "Bearer token /metrics requires (it then shows workspace labels)."),
            new Setting(
                    "BATCHCALL_ALLOW_PRIVATE_NETWORKS",
                    "false",
                    "true: trunks, agent SIP URIs, media stream URLs and webhook URLs may be loopback or private."),
            new Setting(
                    "BATCHCALL_UPLOAD_MAX_COLUMNS",
                    Integer.toString(UploadLimitsConfig.DEFAULT_MAX_COLUMNS),
                    "Columns in any row of an uploaded spreadsheet."),
            new Setting(
                    "BATCHCALL_UPLOAD_MAX_CELL_CHARS",
                    Integer.toString(UploadLimitsConfig.DEFAULT_MAX_CELL_CHARACTERS),
                    "Characters in any cell of an uploaded spreadsheet."),
            new Setting(
                    "BATCHCALL_UPLOADS_CONCURRENT",
                    Integer.toString(UploadLimitsConfig.DEFAULT_MAX_CONCURRENT_UPLOADS),
                    "Uploads one node reads at once."),
            new Setting(
                    "BATCHCALL_MAX_BODY_MB",
                    Integer.toString(RequestLimitsConfig.DEFAULT_MAX_BODY_MB),
                    "Largest request body in MB."),
            new Setting(
                    "BATCHCALL_JSON_MAX_DEPTH",
                    Integer.toString(RequestLimitsConfig.DEFAULT_JSON_MAX_DEPTH),
                    "Deepest nesting of objects and arrays in a JSON body."),
            new Setting(
                    "BATCHCALL_JSON_MAX_STRING_CHARS",
                    Integer.toString(RequestLimitsConfig.DEFAULT_JSON_MAX_STRING_CHARS),
                    "Longest JSON string, value or key, in a body."),
            new Setting(
                    "BATCHCALL_JSON_MAX_NUMBER_CHARS",
                    Integer.toString(RequestLimitsConfig.DEFAULT_JSON_MAX_NUMBER_CHARS),
                    "Longest JSON number as written."),
            new Setting(
                    "BATCHCALL_BODY_MB_IN_FLIGHT",
                    "1/16 of the heap",
                    "MB of large bodies read and handled at once on this node (at least BATCHCALL_MAX_BODY_MB)."),
            new Setting(
                    "BATCHCALL_RATE_LIMIT_PER_KEY",
                    Integer.toString(RateLimitConfig.DEFAULT_PER_KEY.perSecond()),
                    "Requests a second under /v1 per API key on one node."),
            new Setting(
                    "BATCHCALL_RATE_LIMIT_PER_KEY_BURST",
                    Integer.toString(RateLimitConfig.DEFAULT_PER_KEY.burst()),
                    "Burst allowed per API key."),
            new Setting(
                    "BATCHCALL_RATE_LIMIT_PER_ADDRESS",
                    Integer.toString(RateLimitConfig.DEFAULT_PER_ADDRESS.perSecond()),
                    "Requests a second under /v1 per client address on one node."),
            new Setting(
                    "BATCHCALL_RATE_LIMIT_PER_ADDRESS_BURST",
                    Integer.toString(RateLimitConfig.DEFAULT_PER_ADDRESS.burst()),
                    "Burst allowed per client address."),
            new Setting(
                    "BATCHCALL_RATE_LIMIT_UNKNOWN_KEYS",
                    Integer.toString(RateLimitConfig.DEFAULT_UNKNOWN_KEYS_PER_ADDRESS.perSecond()),
                    "Requests a second per client address presenting keys the database does not know."),
            new Setting(
                    "BATCHCALL_RATE_LIMIT_UNKNOWN_KEYS_BURST",
                    Integer.toString(RateLimitConfig.DEFAULT_UNKNOWN_KEYS_PER_ADDRESS.burst()),
                    "Burst allowed for unknown keys per client address."),
            new Setting(
                    "BATCHCALL_AUTH_MAX_CONCURRENT_LOOKUPS",
                    Integer.toString(RateLimitConfig.DEFAULT_MAX_CONCURRENT_KEY_LOOKUPS),
                    "API-key look-ups in the database at once per node."),
            new Setting(
                    "BATCHCALL_WEBHOOK_TIMEOUT_SECS",
                    Long.toString(WebhookConfig.DEFAULT_REQUEST_TIMEOUT.toSeconds()),
                    "How long one webhook request may take."),
            new Setting(
                    "BATCHCALL_WEBHOOK_MAX_IN_FLIGHT",
                    Integer.toString(WebhookConfig.DEFAULT_MAX_IN_FLIGHT),
                    "Requests in flight to one webhook at once, across all nodes."),
            new Setting(
                    "BATCHCALL_WEBHOOK_POLL_MS",
                    Long.toString(WebhookConfig.DEFAULT_POLL_INTERVAL.toMillis()),
                    "How often the webhook sender looks for due deliveries without a notification."),
            new Setting("BATCHCALL_WEBHOOK_REQUIRE_HTTPS", "false", "true: refuse plain-http webhook URLs."),
            new Setting(
                    "BATCHCALL_WEBHOOK_ROTATION_GRACE_SECS",
                    Long.toString(WebhookConfig.DEFAULT_ROTATION_GRACE.toSeconds()),
                    "How long a rotated-out webhook secret keeps signing."),
            new Setting(
                    "BATCHCALL_POST_CALL_WAIT_SECS",
                    Long.toString(ConversationConfig.DEFAULT_POST_CALL_REPORT_WAIT.toSeconds()),
                    "How long post_call_transcription waits for the agent's report after a call ends."),
            new Setting(
                    "BATCHCALL_SINGLE_CALL_WAIT_MARGIN_SECS",
                    Long.toString(SingleCallConfig.DEFAULT_DIAL_WAIT_MARGIN.toSeconds()),
                    "How long past its ringing timeout a single outbound call request waits to be dialed."));

    private Settings() {}

    /** The settings as a plain-text table: name, default, meaning. */
    public static String table() {
        int nameWidth = ALL.stream().mapToInt(s -> s.name().length()).max().orElse(0);
        int defaultWidth =
                ALL.stream().mapToInt(s -> s.defaultValue().length()).max().orElse(0);
        var format = "  %-" + nameWidth + "s  %-" + defaultWidth + "s  %s";
        return ALL.stream()
                .map(s -> String.format(java.util.Locale.ROOT, format, s.name(), s.defaultValue(), s.meaning()))
                .collect(Collectors.joining(
                        "\n",
                        String.format(java.util.Locale.ROOT, format, "Variable", "Default", "Meaning") + "\n",
                        "\n"));
    }
}
