package io.batchcall.domain;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Where batchcall may send traffic that a workspace chose: trunk addresses, agent SIP URIs and media stream URLs.
 * Link-local and cloud metadata addresses are always refused (a workspace must not reach the host's metadata
 * service through us); loopback, private, unique-local and CGNAT ranges only when the operator allows private
 * networks. The resolver is injected, so that the rules stay pure and a test can say what a name resolves to.
 */
public final class EgressPolicy {
    /** Resolves a host name to its addresses (the JDK's resolver in production). */
    @FunctionalInterface
    public interface Resolver {
        List<InetAddress> resolve(String host) throws UnknownHostException;
    }

    /** Cloud metadata services by name: refused before any lookup, whatever they resolve to here. */
    private static final Set<String> METADATA_NAMES = Set.of(
            "metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal");
    /**
     * Metadata addresses outside link-local (which is refused as a whole): AWS's IPv6 one (in fc00::/7),
     * Alibaba's (in 100.64/10) and Oracle's (in 192.0.0.0/24).
     */
    private static final Set<String> METADATA_ADDRESSES =
            Set.of("fd00:ec2:0:0:0:0:0:254", "100.100.100.200", "192.0.0.192");

    private final boolean allowPrivateNetworks;
    private final Resolver resolver;

    public EgressPolicy(boolean allowPrivateNetworks, Resolver resolver) {
        this.allowPrivateNetworks = allowPrivateNetworks;
        this.resolver = resolver;
    }

    /** The JDK's resolver: {@code InetAddress.getAllByName}, which also parses literal addresses without DNS. */
    public static List<InetAddress> systemResolve(String host) throws UnknownHostException {
        return List.of(InetAddress.getAllByName(host));
    }

    /** What {@code host} resolves to, with this policy's resolver. */
    public List<InetAddress> resolve(String host) throws UnknownHostException {
        return resolver.resolve(host);
    }

    public boolean allowsPrivateNetworks() {
        return allowPrivateNetworks;
    }

    /** Whether traffic may go to a host: refused with a reason, or allowed at the addresses it resolved to. */
    public sealed interface Verdict {
        /** Allowed; {@code addresses} is empty for a name that does not resolve (nothing is reached then). */
        record Allowed(List<InetAddress> addresses) implements Verdict {}

        record Refused(String reason) implements Verdict {}
    }

    /**
     * Whether traffic may go to {@code host} (a name or a literal address, IPv6 with or without brackets): one
     * refused address among those it resolves to is enough, since any of them may be the one used. A name that
     * does not resolve is not refused: it cannot be reached either, and DNS may not be set up yet when a trunk is
     * configured.
     */
    public Verdict check(String host) {
        var name = unbracketed(host).toLowerCase(Locale.ROOT);
        while (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.isEmpty()) {
            return new Verdict.Allowed(List.of());
        }
        if (METADATA_NAMES.contains(name)) {
            return new Verdict.Refused(host + " is a cloud metadata service");
        }
        List<InetAddress> addresses;
        try {
            addresses = resolver.resolve(name);
        } catch (UnknownHostException | IllegalArgumentException e) {
            return new Verdict.Allowed(List.of());
        }
        for (var address : addresses) {
            var refusal = refusal(address);
            if (refusal.isPresent()) {
                var literal = address.getHostAddress();
                return new Verdict.Refused(
                        (literal.equalsIgnoreCase(name) ? host : host + " (" + literal + ")") + " is " + refusal.get());
            }
        }
        return new Verdict.Allowed(List.copyOf(addresses));
    }

    /** Why traffic must not go to {@code host}, if it must not (see {@link #check}). */
    public Optional<String> refusal(String host) {
        return check(host) instanceof Verdict.Refused refused ? Optional.of(refused.reason()) : Optional.empty();
    }

    /** Why {@code address} is refused (a phrase such as "a link-local address"), if it is. */
    public Optional<String> refusal(InetAddress address) {
        var target = embeddedIpv4(address).orElse(address);
        if (METADATA_ADDRESSES.contains(target.getHostAddress())) {
            return Optional.of("a cloud metadata address");
        }
        if (target.isLinkLocalAddress()) {
            return Optional.of("a link-local address (cloud metadata services live there)");
        }
        if (target.isMulticastAddress()) {
            return Optional.of("a multicast address");
        }
        if (!allowPrivateNetworks && isPrivate(target)) {
            return Optional.of("a loopback or private-network address, refused unless the operator sets"
                    + " BATCHCALL_ALLOW_PRIVATE_NETWORKS=true");
        }
        return Optional.empty();
    }

    private static boolean isPrivate(InetAddress address) {
        if (address.isLoopbackAddress() || address.isAnyLocalAddress() || address.isSiteLocalAddress()) {
            return true;
        }
        var bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = bytes[0] & 0xff;
            int second = bytes[1] & 0xff;
            return first == 0 // "this network", 0.0.0.0/8: reaches the host itself on Linux
                    || (first == 100 && second >= 64 && second < 128) // CGNAT shared space, 100.64/10
                    || (first == 192 && second == 0 && (bytes[2] & 0xff) == 0); // IETF protocol assignments
        }
        return (bytes[0] & 0xfe) == 0xfc; // unique local, fc00::/7
    }

    /** The IPv4 address inside an IPv4-compatible IPv6 address (::a.b.c.d), which reaches that IPv4 host. */
    private static Optional<InetAddress> embeddedIpv4(InetAddress address) {
        if (address instanceof Inet6Address v6
                && v6.isIPv4CompatibleAddress()
                && !v6.isAnyLocalAddress()
                && !v6.isLoopbackAddress()) {
            var bytes = v6.getAddress();
            try {
                return Optional.of(InetAddress.getByAddress(java.util.Arrays.copyOfRange(bytes, 12, 16)));
            } catch (UnknownHostException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static String unbracketed(String host) {
        var stripped = host.strip();
        return stripped.startsWith("[") && stripped.endsWith("]")
                ? stripped.substring(1, stripped.length() - 1)
                : stripped;
    }

    /** The host of a trunk address as the phone-number API takes it: {@code [sip:]host[:port][;params]}. */
    public static String hostOfTrunkAddress(String address) {
        var rest = address.strip().replaceFirst("(?i)^sips?:", "");
        int at = rest.indexOf('@'); // as SIP parses it: the user part ends at the first '@'
        if (at >= 0) {
            rest = rest.substring(at + 1);
        }
        return hostOfHostPort(rest.split("[;?]", 2)[0]);
    }

    /** The host of a SIP URI ({@code sip:user@host:port;params}). */
    public static String hostOfSipUri(String uri) {
        return hostOfTrunkAddress(uri);
    }

    private static String hostOfHostPort(String hostPort) {
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            return close > 0 ? hostPort.substring(0, close + 1) : hostPort;
        }
        int colon = hostPort.indexOf(':');
        // more than one colon without brackets: a bare IPv6 literal, not host:port
        return colon >= 0 && hostPort.indexOf(':', colon + 1) < 0 ? hostPort.substring(0, colon) : hostPort;
    }
}
