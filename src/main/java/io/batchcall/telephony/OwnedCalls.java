package io.batchcall.telephony;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.Provider;
import java.util.Collection;
import java.util.Set;

/**
 * Which provider calls already belong to one of our attempts. A provider that finds a call by what it was dialed
 * with (number, caller id, time) must not take a call another attempt placed: the same recipient may be called
 * from the same number by another batch, or by a retry, within the look-up's window. The store answers this;
 * the provider sees only this port.
 */
@FunctionalInterface
public interface OwnedCalls {
    /** Of {@code providerCallIds}, those that an attempt other than {@code attempt} holds as its provider call id. */
    Set<String> ownedByOthers(AttemptRef attempt, Provider provider, Collection<String> providerCallIds);
}
