package io.batchcall.telephony.sip;

import io.batchcall.domain.EgressPolicy;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The addresses the SIP endpoint takes requests from: the trunks configured on sip_trunk numbers (they ping with
 * OPTIONS) and the parties of this node's live calls (trunk and agent, for their BYEs and re-INVITEs). Anything
 * else is dropped before JAIN-SIP spends a transaction on it ({@link SipSourceFilter}).
 */
final class SipPeers {
    private static final Logger log = LoggerFactory.getLogger(SipPeers.class);
    /** How stale the configured trunks may be before a request from an unknown address looks them up again. */
    static final Duration TRUNK_REFRESH = Duration.ofSeconds(10);

    private final Supplier<List<String>> trunkAddresses;
    private final EgressPolicy.Resolver resolver;
    private final Clock clock;
    private final Map<InetAddress, Integer> inCalls = new ConcurrentHashMap<>();
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private volatile Set<InetAddress> trunks = Set.of();
    private volatile Instant refreshedAt = Instant.MIN;

    SipPeers(Supplier<List<String>> trunkAddresses, EgressPolicy.Resolver resolver, Clock clock) {
        this.trunkAddresses = trunkAddresses;
        this.resolver = resolver;
        this.clock = clock;
    }

    /**
     * Whether a request from {@code source} is taken. A miss looks the configured trunks up again (at most every
     * {@link #TRUNK_REFRESH}) on a thread of its own, never on JAIN-SIP's: a slow database must not stall SIP, and
     * a trunk configured a moment ago is heard from its next ping on.
     */
    boolean admits(InetAddress source) {
        if (inCalls.containsKey(source) || trunks.contains(source)) {
            return true;
        }
        if (refreshedAt.plus(TRUNK_REFRESH).isBefore(clock.instant())) {
            refreshInBackground();
        }
        return false;
    }

    void refreshInBackground() {
        if (refreshing.compareAndSet(false, true)) {
            Thread.ofVirtual().name("sip-trunk-peers").start(() -> {
                try {
                    refresh();
                } finally {
                    refreshing.set(false);
                }
            });
        }
    }

    private void refresh() {
        try {
            var resolved = new HashSet<InetAddress>();
            for (var address : trunkAddresses.get()) {
                try {
                    resolved.addAll(resolver.resolve(
                            EgressPolicy.hostOfTrunkAddress(address).replaceAll("^\\[|\\]$", "")));
                } catch (UnknownHostException | IllegalArgumentException e) {
                    log.debug("Trunk address not resolved address={}", address);
                }
            }
            trunks = Set.copyOf(resolved);
            refreshedAt = clock.instant();
        } catch (RuntimeException e) {
            // the database is away: keep the trunks known so far, and try again on a later miss
            log.warn("Configured SIP trunks not read error={}", e.toString());
        }
    }

    /** A call's parties, taken until {@link #leave} with the same addresses. */
    void join(Collection<InetAddress> parties) {
        parties.forEach(address -> inCalls.merge(address, 1, Integer::sum));
    }

    void leave(Collection<InetAddress> parties) {
        parties.forEach(address -> inCalls.computeIfPresent(address, (key, count) -> count > 1 ? count - 1 : null));
    }
}
