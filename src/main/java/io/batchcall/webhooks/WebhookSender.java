package io.batchcall.webhooks;

import io.batchcall.config.WebhookConfig;
import io.batchcall.domain.DeliveryAttempt;
import io.batchcall.domain.DeliveryAttempt.Result;
import io.batchcall.store.DeliveryStore;
import io.batchcall.store.DeliveryStore.Due;
import io.batchcall.store.DeliveryStore.Recorded;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers webhooks: one loop per node claims due deliveries ({@link #sendOnce()}), sends each on its own virtual
 * thread, and records every attempt. It wakes on the outbox's notification and polls besides, so that a missed
 * notification delays a delivery by one poll at most; each pass also takes back deliveries whose lease expired.
 */
public final class WebhookSender implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebhookSender.class);
    static final String USER_AGENT = "batchcall-webhooks/1";
    /** How many deliveries one pass claims at most. */
    private static final int CLAIM_LIMIT = 200;

    private static final Duration ERROR_BACKOFF = Duration.ofSeconds(1);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);

    private final DeliveryStore deliveries;
    private final WebhookUrls urls;
    private final WebhookConfig config;
    private final Clock clock;
    private final WebhookMetrics metrics;
    private final HttpClient http;
    private final ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore wake = new Semaphore(0);
    private final Thread loop;
    private volatile boolean running;

    public WebhookSender(
            DeliveryStore deliveries, WebhookUrls urls, WebhookConfig config, Clock clock, WebhookMetrics metrics) {
        this.deliveries = deliveries;
        this.urls = urls;
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
        // Redirects are never followed: a 3xx is a failed attempt (Standard Webhooks), and following one would let
        // a receiver point us at an address the egress policy refuses.
        // HTTP/1.1: no h2c upgrade attempt on plain-http receivers, which many small servers mishandle.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(config.requestTimeout())
                .executor(requests)
                .build();
        this.loop = Thread.ofPlatform().name("batchcall-webhooks").daemon(true).unstarted(this::run);
    }

    public WebhookSender start() {
        running = true;
        loop.start();
        return this;
    }

    /** A delivery may be due: look now rather than at the next poll. */
    public void wake() {
        wake.release();
    }

    /**
     * One pass: takes back expired leases, claims what is due, sends it all concurrently and records every
     * attempt before returning. Returns how many deliveries it attempted.
     */
    public int sendOnce() {
        deliveries.reapExpiredLeases();
        var claimed = deliveries.claim(CLAIM_LIMIT);
        var sending = new ArrayList<Future<?>>(claimed.size());
        for (var due : claimed) {
            sending.add(requests.submit(() -> deliver(due)));
        }
        for (var future : sending) {
            try {
                future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (java.util.concurrent.ExecutionException e) {
                log.warn(
                        "Webhook delivery failed to record error={}",
                        e.getCause().toString());
            }
        }
        metrics.refreshBacklog();
        return claimed.size();
    }

    /** Sends a delivery this node already holds and records it: the test endpoint's synchronous send. */
    public DeliveryAttempt deliver(Due due) {
        var attempt = attempt(due);
        var recorded = deliveries.record(due, attempt);
        metrics.recorded(due, attempt, recorded);
        if (recorded == Recorded.HELD) {
            log.warn(
                    "Webhook disabled automatically; its deliveries are held until it is enabled again"
                            + " endpointId={} status={}",
                    due.endpointId(),
                    attempt.status().map(String::valueOf).orElse("-"));
        }
        return attempt;
    }

    private DeliveryAttempt attempt(Due due) {
        var startedAt = clock.instant();
        long signedAt = startedAt.getEpochSecond();
        long started = System.nanoTime();
        var refusal = urls.refusal(due.url());
        if (refusal.isPresent()) {
            return new DeliveryAttempt(
                    due.attempt(),
                    startedAt,
                    Duration.ZERO,
                    signedAt,
                    new Result.NoAnswer("refused_address", refusal.get()));
        }
        var request = HttpRequest.newBuilder(URI.create(due.url()))
                .timeout(config.requestTimeout())
                .POST(HttpRequest.BodyPublishers.ofString(due.body(), StandardCharsets.UTF_8));
        // The workspace's own headers first, so that ours (and the signatures) win over any of the same name.
        due.requestHeaders().forEach(request::setHeader);
        request.setHeader("Content-Type", "application/json");
        request.setHeader("User-Agent", USER_AGENT);
        WebhookSigner.headers(due.eventId(), signedAt, due.body(), due.secret(), due.previousSecret())
                .forEach(request::setHeader);
        request.setHeader("Batchcall-Event-Type", due.eventType());
        request.setHeader("Batchcall-Delivery-Attempt", Integer.toString(due.attempt()));
        request.setHeader("Batchcall-Sequence", Long.toString(due.eventSeq()));
        Result result;
        try {
            var response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            String excerpt;
            try (var body = response.body()) {
                excerpt = excerpt(body);
            }
            result = new Result.Answered(
                    response.statusCode(),
                    excerpt,
                    response.headers().firstValue("Retry-After").flatMap(value -> retryAfter(value, startedAt)));
        } catch (HttpConnectTimeoutException e) {
            result = new Result.NoAnswer("connect", "connect timed out");
        } catch (HttpTimeoutException e) {
            result = new Result.NoAnswer(
                    "timeout", "no response within " + config.requestTimeout().toSeconds() + " s");
        } catch (ConnectException e) {
            result = new Result.NoAnswer("connect", String.valueOf(e.getMessage()));
        } catch (SSLException e) {
            result = new Result.NoAnswer("tls", String.valueOf(e.getMessage()));
        } catch (IOException | IllegalArgumentException e) {
            result = new Result.NoAnswer("io", e.getClass().getSimpleName() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result = new Result.NoAnswer("io", "interrupted while sending (node stopping)");
        }
        return new DeliveryAttempt(
                due.attempt(), startedAt, Duration.ofNanos(System.nanoTime() - started), signedAt, result);
    }

    /** The first 2 KiB of a response body as text (invalid UTF-8 replaced); the rest is not read. */
    static String excerpt(InputStream body) throws IOException {
        var bytes = body.readNBytes(DeliveryAttempt.EXCERPT_BYTES);
        return StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE)
                .decode(java.nio.ByteBuffer.wrap(bytes))
                .toString();
    }

    /** {@code Retry-After} in seconds or as an HTTP date (RFC 9110); ignored when it is neither. */
    static Optional<Duration> retryAfter(String value, Instant now) {
        var text = value.strip();
        try {
            long seconds = Long.parseLong(text);
            return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
        } catch (NumberFormatException notSeconds) {
            try {
                var at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant();
                return Optional.of(at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO);
            } catch (DateTimeParseException notDate) {
                return Optional.empty();
            }
        }
    }

    private void run() {
        while (running) {
            try {
                int sent = sendOnce();
                if (sent == 0) {
                    wake.tryAcquire(config.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
                    wake.drainPermits();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("Webhook pass failed; trying again error={}", e.toString());
                try {
                    Thread.sleep(ERROR_BACKOFF);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /** Stops claiming, then lets requests in flight finish (up to a bound) so that their attempts are recorded. */
    @Override
    public void close() {
        running = false;
        loop.interrupt();
        try {
            loop.join(DRAIN_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        requests.shutdown();
        try {
            if (!requests.awaitTermination(DRAIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                requests.shutdownNow();
            }
        } catch (InterruptedException e) {
            requests.shutdownNow();
            Thread.currentThread().interrupt();
        }
        http.close();
    }
}
