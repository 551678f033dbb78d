package io.batchcall.support;

/**
 * Where a test reads the calls in flight of a table's rows: workspaces and agents through the views that count the
 * releases not yet folded into them (store/InFlight), batches from their own column, which ends write directly.
 */
public final class InFlightCounts {
    private InFlightCounts() {}

    public static String of(String table) {
        return switch (table) {
            case "workspaces" -> "workspaces_in_flight";
            case "agents" -> "agents_in_flight";
            default -> table;
        };
    }
}
