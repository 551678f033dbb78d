package io.batchcall.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** One HTTP attempt of a webhook delivery, as the delivery log keeps it. */
public record DeliveryAttempt(int number, Instant startedAt, Duration duration, long signedAt, Result result) {
    /** At most this much of a response body is kept, as text. */
    public static final int EXCERPT_BYTES = 2048;

    /** What came back: an HTTP answer, or none at all. */
    public sealed interface Result {
        /** The receiver answered; only a 2xx is a delivery (a 3xx is not followed, so it fails too). */
        record Answered(int status, String excerpt, Optional<Duration> retryAfter) implements Result {}

        /**
         * No answer: {@code errorClass} is timeout, connect, tls, io or refused_address (the egress policy said no).
         */
        record NoAnswer(String errorClass, String error) implements Result {}
    }

    public boolean succeeded() {
        return result instanceof Result.Answered answered && answered.status() >= 200 && answered.status() < 300;
    }

    /** 410 Gone: the receiver says the endpoint is no more, so it is disabled (Standard Webhooks). */
    public boolean gone() {
        return result instanceof Result.Answered answered && answered.status() == 410;
    }

    public Optional<Integer> status() {
        return result instanceof Result.Answered answered ? Optional.of(answered.status()) : Optional.empty();
    }

    public Optional<Duration> retryAfter() {
        return result instanceof Result.Answered answered ? answered.retryAfter() : Optional.empty();
    }
}
