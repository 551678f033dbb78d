package io.batchcall.api;

import io.batchcall.domain.NewRecipient;
import io.batchcall.domain.SkipReason;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.SuppressionStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a submit does with recipients whose numbers must not be called. By default ({@code "suppressed": "skip"})
 * nothing is refused: the batch is stored as sent, the claim cancels those recipients when it reaches them (it
 * checks again then, so a number opted out after the submit is caught too), and the response counts them in
 * {@code suppressed_recipients}. With our extension {@code "suppressed": "refuse"} the submit is a 422 naming
 * each of them, and nothing is stored.
 */
final class SubmitSuppressions {
    static final String FIELD = "suppressed";
    static final List<String> MODES = List.of("skip", "refuse");

    private SubmitSuppressions() {}

    /** The number of suppressed recipients; throws the 422 when the body asks to refuse them and there are any. */
    static int check(
            JsonBody body,
            SuppressionStore suppressions,
            WorkspaceId workspace,
            String agentId,
            List<NewRecipient> recipients) {
        var mode = body.optionalEnum(FIELD, MODES).orElse("skip");
        body.throwIfInvalid();
        var numbers = recipients.stream().flatMap(r -> r.phoneNumber().stream()).toList();
        var suppressed = suppressions.suppressed(workspace, Optional.of(agentId), numbers);
        if (suppressed.isEmpty() || !mode.equals("refuse")) {
            return suppressed.size();
        }
        var violations = new ArrayList<Violation>();
        for (int i = 0; i < recipients.size(); i++) {
            var number = recipients.get(i).phoneNumber();
            var reason = number.map(suppressed::get);
            if (reason.isPresent()) {
                violations.add(new Violation(
                        List.of("body", "recipients", i, "phone_number"),
                        message(number.get(), reason.get()),
                        reason.get().wireName()));
            }
        }
        throw new ValidationException(violations);
    }

    static String message(String number, SkipReason reason) {
        return switch (reason) {
            case OPTED_OUT -> "Value error, " + number + " opted out of calls";
            case DNC -> "Value error, " + number + " is on a do-not-call list";
            default -> "Value error, " + number + " must not be called (" + reason.wireName() + ")";
        };
    }
}
