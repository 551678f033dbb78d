package io.batchcall.telephony.twilio;

import io.batchcall.domain.CallEvent;
import io.batchcall.telephony.CallEventSink;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A sink that writes down what a provider reported, as text such as {@code ended busy busy 486}. */
final class RecordingSink implements CallEventSink {
    final List<String> events = new CopyOnWriteArrayList<>();

    @Override
    public void report(CallEvent event) {
        events.add(
                switch (event) {
                    case CallEvent.Accepted a -> "accepted";
                    case CallEvent.Ringing r -> "ringing";
                    case CallEvent.Answered a -> "answered";
                    case CallEvent.MachineDetected m -> "machine detected " + m.answeredBy();
                    case CallEvent.Ended e ->
                        "ended " + e.outcome().wireName() + " "
                                + e.providerStatus().orElse("-") + " "
                                + e.sipCode().map(String::valueOf).orElse("-");
                });
    }
}
