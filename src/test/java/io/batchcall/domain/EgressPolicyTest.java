package io.batchcall.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The address rules, with a resolver the test controls: no DNS. */
class EgressPolicyTest {
    private static final EgressPolicy STRICT = new EgressPolicy(false, EgressPolicyTest::resolve);
    private static final EgressPolicy LENIENT = new EgressPolicy(true, EgressPolicyTest::resolve);

    /** Literals as the JDK parses them; {@code trunk.example} resolves to a private address, others to nothing. */
    private static List<InetAddress> resolve(String host) throws UnknownHostException {
        if (host.equals("trunk.example")) {
            return List.of(InetAddress.getByName("203.0.113.9"), InetAddress.getByName("10.0.0.5"));
        }
        if (host.chars().allMatch(c -> Character.isDigit(c) || c == '.' || c == ':' || Character.isLetter(c))
                && (host.contains(":") || host.chars().filter(c -> c == '.').count() == 3)) {
            return List.of(InetAddress.getByName(host));
        }
        throw new UnknownHostException(host);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "169.254.169.254",
                "169.254.1.1",
                "[fe80::1]",
                "fe80::1",
                "fd00:ec2::254",
                "100.100.100.200",
                "192.0.0.192",
                "metadata.google.internal",
                "METADATA.GOOGLE.INTERNAL.",
                "224.0.0.1"
            })
    void link_local_metadata_and_multicast_are_refused_even_with_private_networks_allowed(String host) {
        assertThat(LENIENT.refusal(host)).isPresent();
        assertThat(STRICT.refusal(host)).isPresent();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "127.0.0.1",
                "127.8.9.10",
                "::1",
                "[::1]",
                "10.1.2.3",
                "172.16.0.1",
                "172.31.255.255",
                "192.168.0.1",
                "fc00::1",
                "fd12:3456::1",
                "100.64.0.1",
                "100.127.255.255",
                "0.0.0.0",
                "::",
                "::ffff:127.0.0.1",
                "::127.0.0.1"
            })
    void loopback_and_private_ranges_are_refused_unless_allowed(String host) {
        assertThat(STRICT.refusal(host)).isPresent();
        assertThat(LENIENT.refusal(host)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"203.0.113.7", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2001:db8::1", "nowhere.invalid"})
    void public_addresses_and_names_that_do_not_resolve_are_allowed(String host) {
        assertThat(STRICT.refusal(host)).isEmpty();
    }

    @Test
    void a_name_is_refused_when_any_of_its_addresses_is_and_the_reason_names_that_address() {
        assertThat(STRICT.refusal("trunk.example"))
                .hasValue(
                        "trunk.example (10.0.0.5) is a loopback or"
                                + " private-network address, refused unless the operator sets BATCHCALL_ALLOW_PRIVATE_NETWORKS=true");
        assertThat(LENIENT.check("trunk.example")).isInstanceOf(EgressPolicy.Verdict.Allowed.class);
    }

    @Test
    void hosts_are_read_from_trunk_addresses_and_sip_uris() {
        assertThat(EgressPolicy.hostOfTrunkAddress("sip:trunk.example:5060;transport=tcp"))
                .isEqualTo("trunk.example");
        assertThat(EgressPolicy.hostOfTrunkAddress("[2001:db8::1]:5060")).isEqualTo("[2001:db8::1]");
        assertThat(EgressPolicy.hostOfTrunkAddress("fe80::1")).isEqualTo("fe80::1");
        assertThat(EgressPolicy.hostOfSipUri("sip:agent@10.0.0.5:5060;transport=tcp"))
                .isEqualTo("10.0.0.5");
        assertThat(EgressPolicy.hostOfSipUri("sips:agent;x=1@[::1]")).isEqualTo("[::1]");
    }
}
