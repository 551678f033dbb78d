package io.batchcall.domain;

import java.util.Arrays;
import java.util.Optional;

/** Why a pending recipient is not being dialed yet; it may be dialed at its {@code next_attempt_at}. */
public enum HoldReason {
    /** A retry policy spaces its attempts. */
    RETRY_BACKOFF("retry_backoff"),
    /** The calling window is closed at the recipient's local time. */
    OUTSIDE_WINDOW("outside_window"),
    /** It is a holiday (actual or observed) or a blackout date where the recipient is. */
    HOLIDAY("holiday"),
    /** A frequency cap on the number is used up until its rolling window moves on. */
    FREQUENCY_CAP("frequency_cap"),
    /** A calling window applies but no time zone is known for the recipient. */
    TIMEZONE_UNKNOWN("timezone_unknown"),
    /** A WhatsApp user was asked for call permission and has not answered yet. */
    WHATSAPP_PERMISSION("whatsapp_permission"),
    /** One of Meta's per-user WhatsApp limits (calls, permission requests, unanswered calls) holds the call. */
    WHATSAPP_LIMIT("whatsapp_limit");

    private final String wireName;

    HoldReason(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<HoldReason> fromWire(String name) {
        return Arrays.stream(values()).filter(r -> r.wireName.equals(name)).findFirst();
    }
}
