package io.batchcall.store;

import java.sql.SQLException;
import jdk.jfr.FlightRecorder;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.JdbiStatementEvent;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.SqlStatements;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.internal.JfrSupport;

/**
 * What a Java Flight Recorder recording of the server holds of its SQL: each statement's text and how long it ran,
 * never the values bound to it.
 *
 * <p>Why: Jdbi records every statement as a JFR event ({@code jdbi.statement}) with its bound values rendered as
 * text, and JFR records an event type that its settings do not name. So any recording of the server, one started by
 * {@code -XX:StartFlightRecording} with the JDK's default settings included, held the phone numbers and client data
 * of every submit and call: what {@link Database} keeps out of exception messages and the log's masking out of the
 * log. Rendering them also cost: a 10,000-recipient submit's seven bound arrays made about 7.5 MB of text a submit
 * (JFR's allocation samples, {@code bench/run --quick --submit-recipients=10000}), inside the very profiles that
 * recorded it. Jdbi's event type is unregistered (JFR then records none of it) and {@link SqlStatementEvent} is
 * recorded in its place, from Jdbi's SQL logger hooks.
 *
 * <p>Only loaded when the runtime has the {@code jdk.jfr} module ({@link Database} checks): the container image's
 * jlink'd runtime has not, and there neither event exists.
 */
final class StatementEvents implements SqlLogger {
    /**
     * A statement's text is cut here: the longest of ours (a call-event group's end) is 3,289 characters in a quick
     * bench run's recording; the cap keeps one built at run time from filling a recording.
     */
    static final int MAX_SQL_LENGTH = 8_000;

    // Begun in logBeforeExecution, committed in logAfterExecution or logException: both run on the thread that runs
    // the statement, with nothing of Jdbi's in between.
    private final ThreadLocal<SqlStatementEvent> running = new ThreadLocal<>();

    private StatementEvents() {}

    static void install(Jdbi jdbi) {
        // Its first use registers Jdbi's event type (when the flight recorder is there), so that the unregistering
        // below is final.
        if (!JfrSupport.isFlightRecorderAvailable()) {
            return;
        }
        FlightRecorder.unregister(JdbiStatementEvent.class);
        jdbi.getConfig(SqlStatements.class).setSqlLogger(new StatementEvents());
    }

    @Override
    public void logBeforeExecution(StatementContext context) {
        var event = new SqlStatementEvent();
        if (event.isEnabled()) {
            event.begin();
            running.set(event);
        }
    }

    @Override
    public void logAfterExecution(StatementContext context) {
        commit(context, false);
    }

    @Override
    public void logException(StatementContext context, SQLException exception) {
        commit(context, true);
    }

    private void commit(StatementContext context, boolean failed) {
        var event = running.get();
        if (event == null) {
            return;
        }
        running.remove();
        event.end();
        if (event.shouldCommit()) {
            var sql = context.getRenderedSql();
            event.sql = sql == null || sql.length() <= MAX_SQL_LENGTH ? sql : sql.substring(0, MAX_SQL_LENGTH);
            event.failed = failed;
            event.commit();
        }
    }
}
