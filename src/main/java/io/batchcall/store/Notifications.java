package io.batchcall.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL LISTEN/NOTIFY, so that every node on one database hears what any node did: capacity freed, work
 * added, batches cancelled. One dedicated connection listens; notifications are sent from the transactions that
 * cause them (so they are heard only once those commit).
 */
public final class Notifications implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Notifications.class);
    /** Capacity freed or work added: dispatchers should look again. */
    public static final String WAKE = "batchcall_wake";
    /** A batch was cancelled or deleted (payload {@code workspace:batch}): stop its calls. */
    public static final String CANCEL = "batchcall_cancel";
    /**
     * One recipient was cancelled (payload {@code workspace:batch:recipient}): cancel its ringing call. A channel of
     * its own, so that a node that does not know it ignores it instead of reading it as a whole batch's cancel.
     */
    public static final String CANCEL_RECIPIENT = "batchcall_cancel_recipient";

    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration RECONNECT_BACKOFF = Duration.ofSeconds(1);

    private final DataSource dataSource;
    private final Clock clock;
    private final Map<String, Consumer<String>> listeners = new ConcurrentHashMap<>();
    private volatile Runnable onReconnect = () -> {};
    private volatile boolean running = true;
    /** Since when this node has been listening without a break; null while it is not. */
    private volatile Instant listeningSince;

    private boolean everListened;
    private final Thread thread;

    public Notifications(Database database, Clock clock) {
        this.dataSource = database.dataSource();
        this.clock = clock;
        this.thread =
                Thread.ofPlatform().name("batchcall-notifications").daemon(true).unstarted(this::listen);
    }

    public void on(String channel, Consumer<String> listener) {
        listeners.put(channel, listener);
    }

    /**
     * What to do once listening again after a break: whatever was notified meanwhile was missed, so the listener
     * must read it from the database.
     */
    public void onReconnect(Runnable action) {
        this.onReconnect = action;
    }

    public Notifications start() {
        thread.start();
        return this;
    }

    private void listen() {
        while (running) {
            try (Connection connection = dataSource.getConnection()) {
                try (var statement = connection.createStatement()) {
                    for (var channel : listeners.keySet()) {
                        statement.execute("LISTEN " + channel);
                    }
                }
                var pg = connection.unwrap(PGConnection.class);
                boolean reconnected = listeningSince == null && everListened;
                listeningSince = clock.instant();
                everListened = true;
                // A wake-up may have been missed while not listening: tell everyone to look once.
                listeners.getOrDefault(WAKE, payload -> {}).accept("");
                if (reconnected) {
                    runQuietly(onReconnect);
                }
                while (running) {
                    var received = pg.getNotifications((int) POLL.toMillis());
                    if (received != null) {
                        for (var notification : received) {
                            var listener = listeners.get(notification.getName());
                            if (listener != null) {
                                listener.accept(notification.getParameter());
                            }
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                listeningSince = null;
                if (running) {
                    log.warn("Notification listener lost its connection, reconnecting error={}", e.toString());
                    try {
                        Thread.sleep(RECONNECT_BACKOFF);
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    private static void runQuietly(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            log.warn(
                    "Catching up after a listener break failed; the next break tries again error={}",
                    e.getClass().getSimpleName());
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
