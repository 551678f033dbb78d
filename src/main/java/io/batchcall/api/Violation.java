package io.batchcall.api;

import java.util.List;

/**
 * One validation failure in FastAPI's shape: where ({@code loc}, e.g. {@code ["body","recipients",3,"phone_number"]}),
 * what ({@code msg}, for people) and which kind ({@code type}, for programs, as Pydantic names them).
 */
public record Violation(List<Object> loc, String msg, String type) {
    public Violation {
        loc = List.copyOf(loc);
    }
}
