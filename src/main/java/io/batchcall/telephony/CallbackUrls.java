package io.batchcall.telephony;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.Provider;
import java.util.Optional;

/**
 * Where a provider sends the events of one attempt: a public URL that carries an unguessable per-attempt token.
 * Empty when this node has no public URL ({@code BATCHCALL_PUBLIC_URL}), so that no provider that needs callbacks
 * can place a call it would never hear from again.
 */
@FunctionalInterface
public interface CallbackUrls {
    Optional<String> statusCallback(Provider provider, AttemptRef attempt);
}
