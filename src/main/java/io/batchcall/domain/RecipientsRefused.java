package io.batchcall.domain;

import java.util.List;

/**
 * Recipients appended to a batch that it cannot take: each refusal names the index in the request (or none, when
 * it is about the whole list) and the field. Answered 422, like the same problems in a submit.
 */
public final class RecipientsRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** One problem: {@code index} is -1 when it concerns the whole list. */
    public record Refusal(int index, String field, String message, String type) {}

    private final transient List<Refusal> refusals;

    public RecipientsRefused(List<Refusal> refusals) {
        super(refusals.size() + " recipients refused", null, false, false);
        this.refusals = List.copyOf(refusals);
    }

    public List<Refusal> refusals() {
        return refusals;
    }
}
