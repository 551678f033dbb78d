package io.batchcall.telephony.twilio;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.Outcome;
import io.batchcall.telephony.CallEventSink;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** A sink that writes down what a provider reported, as text such as {@code ended busy busy 486}. */
final class RecordingSink implements CallEventSink {
    final List<String> events = new CopyOnWriteArrayList<>();

    @Override
    public void ringing(AttemptRef attempt) {
        events.add("ringing");
    }

    @Override
    public void answered(AttemptRef attempt) {
        events.add("answered");
    }

    @Override
    public void ended(AttemptRef attempt, Outcome outcome, Optional<String> providerStatus, Optional<Integer> sipCode) {
        events.add("ended " + outcome.wireName() + " " + providerStatus.orElse("-") + " "
                + sipCode.map(String::valueOf).orElse("-"));
    }
}
