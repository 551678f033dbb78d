package io.batchcall.dispatch;

import io.batchcall.domain.Provider;
import io.batchcall.telephony.CallEventSink;
import io.batchcall.telephony.CallRequest;
import io.batchcall.telephony.CallState;
import io.batchcall.telephony.PlaceResult;
import io.batchcall.telephony.TelephonyProvider;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * A fake provider for engine tests (standing in for Twilio) that answers every dial and every reconcile as the
 * test scripts it, and records what it was asked: an honest fake, not a mock of the dispatcher's expectations.
 */
final class ScriptedProvider implements TelephonyProvider {
    final List<String> placed = Collections.synchronizedList(new ArrayList<>());
    final List<String> reconciled = Collections.synchronizedList(new ArrayList<>());
    final List<String> cancelled = Collections.synchronizedList(new ArrayList<>());
    volatile PlaceResult onPlace = new PlaceResult.Accepted("CA-scripted");
    volatile CallState onReconcile = new CallState.Unknown("the scripted provider does not know");
    /** When set, place and reconcile throw it, as a provider client with a bug or a broken peer would. */
    volatile RuntimeException placeFailure;

    volatile RuntimeException reconcileFailure;
    /** When set, a dial request does not return until it is counted down (a hung HTTP request, say). */
    volatile java.util.concurrent.CountDownLatch placeHeld;

    final CallEventSink events;

    ScriptedProvider(CallEventSink events) {
        this.events = events;
    }

    @Override
    public Provider kind() {
        return Provider.TWILIO;
    }

    @Override
    public PlaceResult place(CallRequest request) {
        placed.add(request.to());
        if (placeFailure != null) {
            throw placeFailure;
        }
        var held = placeHeld;
        if (held != null) {
            try {
                held.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return onPlace;
    }

    @Override
    public void cancel(CallRequest request, String providerCallId) {
        cancelled.add(providerCallId);
    }

    @Override
    public void hangUp(CallRequest request, String providerCallId) {
        cancelled.add(providerCallId);
    }

    @Override
    public CallState reconcile(CallRequest request, Optional<String> providerCallId) {
        reconciled.add(request.to());
        if (reconcileFailure != null) {
            throw reconcileFailure;
        }
        return onReconcile;
    }
}
