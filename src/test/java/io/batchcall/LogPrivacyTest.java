package io.batchcall;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import io.batchcall.support.Await;
import io.batchcall.support.Fixtures;
import io.batchcall.support.TestServer;
import java.io.ByteArrayOutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What the console shows at the default levels while batches meet database errors and a SIP call is placed: no
 * recipient's number and none of their client data. The console's own pattern is used, so the masking in it is
 * part of what is tested.
 */
class LogPrivacyTest {
    private static final Duration BOUND = Duration.ofSeconds(20);
    /** Recipients' numbers: each must appear in no log line. */
    private static final String SUBMIT_NUMBER = "+14155557301";

    private static final String SIMULATED_NUMBER = "+14155557302";
    private static final String SIP_NUMBER = "+14155557303";
    /** Client data: dynamic variables and an override, each must appear in no log line. */
    private static final String SECRET_NAME = "Zebulon Quartermaine";

    private static final String SECRET_OVERRIDE = "Your account 88-1234-secret is overdue";

    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private OutputStreamAppender<ILoggingEvent> capture;
    private TestServer server;
    private Fixtures fixtures;

    @BeforeEach
    void start() {
        capture = consoleCopy();
        server = TestServer.start(Map.of("BATCHCALL_SIP_T1_MS", "50"), List.of());
        fixtures = new Fixtures(server);
    }

    @AfterEach
    void stop() {
        server.close();
        root().detachAppender(capture);
        capture.stop();
    }

    @Test
    void database_errors_on_a_recipient_and_a_sip_call_leave_no_number_and_no_client_data_in_the_log() {
        var agent = fixtures.agent(TestServer.API_KEY, "Privacy agent");
        var simulator = fixtures.phoneNumber(TestServer.API_KEY, agent);
        // A statement that fails with the recipient's values bound: Jdbi renders bound values into its message.
        schema("""
                CREATE FUNCTION privacy_probe_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'privacy probe refused a recipient'; END $$""");
        schema("""
                CREATE TRIGGER privacy_probe BEFORE INSERT ON recipients FOR EACH ROW
                WHEN (NEW.client_data::text LIKE '%refuse-me%') EXECUTE FUNCTION privacy_probe_refuse()""");
        // A unique violation whose Detail holds client data: "Key (...)=(Zebulon Quartermaine) already exists".
        schema("""
                CREATE UNIQUE INDEX privacy_probe_unique ON conversations
                ((client_data -> 'dynamic_variables' ->> 'name'))""");

        var refused = server.client()
                .post("/v1/convai/batch-calling/submit", submit(agent, simulator, SUBMIT_NUMBER, "refuse-me"));
        var first = submitted(agent, simulator, SIMULATED_NUMBER, "first");
        Await.until(
                BOUND,
                "the first batch completes",
                () -> server.client().batchStatus(first).equals("completed"));
        var second = submitted(agent, simulator, SIMULATED_NUMBER, "second");
        // The call-event writer logs the failure (and retries it, or records it against that attempt alone).
        Await.until(
                BOUND,
                "the second batch's conversation fails the unique index",
                () -> logged().contains("privacy_probe_unique")
                        || server.client().batchStatus(second).equals("completed"));
        // The writer may go on retrying the group; let it record it, so that the server stops cleanly.
        schema("DROP INDEX privacy_probe_unique");
        var sipBatch = submitted(sipAgent(), deadTrunk(), SIP_NUMBER, "sip");
        // Timer B is 3.2 s here; the bound is generous because a loaded machine delays the retransmissions too.
        Await.until(
                BOUND.multipliedBy(3),
                "the SIP call ends",
                () -> server.client().batchStatus(sipBatch).equals("completed"));

        assertThat(refused.status()).isEqualTo(500);
        var log = logged();
        assertThat(log).contains("privacy probe refused a recipient");
        assertThat(log)
                .doesNotContain(
                        SUBMIT_NUMBER,
                        SIMULATED_NUMBER,
                        SIP_NUMBER,
                        digitsOf(SIMULATED_NUMBER),
                        digitsOf(SIP_NUMBER),
                        SECRET_NAME,
                        SECRET_OVERRIDE,
                        "refuse-me");
    }

    private String submitted(String agent, String numberId, String recipient, String marker) {
        var response =
                server.client().post("/v1/convai/batch-calling/submit", submit(agent, numberId, recipient, marker));
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().get("id").asText();
    }

    private static String submit(String agent, String numberId, String recipient, String marker) {
        return """
                {"call_name":"Privacy","agent_id":"%s","agent_phone_number_id":"%s",
                 "recipients":[{"phone_number":"%s","conversation_initiation_client_data":{
                   "dynamic_variables":{"name":"%s","marker":"%s"},
                   "conversation_config_override":{"agent":{"first_message":"%s"}}}}]}""".formatted(agent, numberId, recipient, SECRET_NAME, marker, SECRET_OVERRIDE);
    }

    private String sipAgent() {
        var created = server.client()
                .post("/v1/convai/agents/create", "{\"name\":\"SIP agent\",\"sip_uri\":\"sip:agent@127.0.0.1:9\"}");
        assertThat(created.status()).as(created.toString()).isEqualTo(200);
        return created.json().get("agent_id").asText();
    }

    /** A sip_trunk number whose trunk never answers: the INVITE goes out and times out (Timer B, 64 x 50 ms). */
    private String deadTrunk() {
        int port;
        try (var socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        } catch (SocketException e) {
            throw new IllegalStateException(e);
        }
        var created = server.client().post("/v1/convai/phone-numbers", """
                {"provider":"sip_trunk","phone_number":"+14155550190","label":"Trunk",
                 "outbound_trunk_config":{"address":"127.0.0.1:%d","transport":"udp"}}""".formatted(port));
        assertThat(created.status()).as(created.toString()).isEqualTo(200);
        return created.json().get("phone_number_id").asText();
    }

    /** Fault injection: a statement run as is on the server's database. */
    private void schema(String sql) {
        Jdbi.create(server.databaseUrl(), "postgres", "").useHandle(handle -> handle.execute(sql));
    }

    private static String digitsOf(String number) {
        return number.substring(1);
    }

    private String logged() {
        synchronized (console) {
            return console.toString(StandardCharsets.UTF_8);
        }
    }

    /** An appender on the root logger with the console appender's pattern, writing to {@link #console}. */
    private OutputStreamAppender<ILoggingEvent> consoleCopy() {
        var context = (LoggerContext) LoggerFactory.getILoggerFactory();
        var stdout = (OutputStreamAppender<ILoggingEvent>) root().getAppender("STDOUT");
        var encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(((PatternLayoutEncoder) stdout.getEncoder()).getPattern());
        encoder.start();
        var appender = new OutputStreamAppender<ILoggingEvent>();
        appender.setContext(context);
        appender.setName("privacy-capture");
        appender.setEncoder(encoder);
        appender.setOutputStream(console);
        appender.start();
        root().addAppender(appender);
        return appender;
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }
}
