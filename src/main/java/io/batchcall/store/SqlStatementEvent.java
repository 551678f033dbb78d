package io.batchcall.store;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * One SQL statement as a flight recording shows it ({@link StatementEvents}): the text as sent, with its parameters'
 * names ({@code :phoneNumbers}) and not their values, and the execution's start and duration on the thread that ran
 * it. Fetching a query's rows after the execution is not in it.
 */
@Name(SqlStatementEvent.NAME)
@Label("SQL Statement")
@Category("batchcall")
@Description("A statement batchcall executed: its text without the values bound to it, and how long it took")
final class SqlStatementEvent extends Event {
    static final String NAME = "batchcall.SqlStatement";

    @Label("SQL")
    String sql;

    @Label("Failed")
    boolean failed;
}
