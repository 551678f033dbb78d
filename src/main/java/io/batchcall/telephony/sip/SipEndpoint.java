package io.batchcall.telephony.sip;

import gov.nist.javax.sip.SipStackExt;
import gov.nist.javax.sip.SipStackImpl;
import gov.nist.javax.sip.clientauthutils.AccountManager;
import gov.nist.javax.sip.clientauthutils.AuthenticationHelper;
import io.batchcall.config.SipConfig;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.text.ParseException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.sip.ClientTransaction;
import javax.sip.Dialog;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.ListeningPoint;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipException;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.address.AddressFactory;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ViaHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Our one JAIN-SIP stack: listening on UDP at one address, and on TCP at the same port once a call needs TCP, with
 * the factories that build messages. Requests from addresses that are neither a trunk nor a party of a live call
 * are dropped ({@link SipSourceFilter}); messages, inbound TCP connections and their silences are bounded
 * ({@link io.batchcall.config.SipLimits}). It hands each event to the call that owns its dialog, and answers what
 * belongs to no call (OPTIONS pings with 200, anything else with an error), so that nothing of JAIN-SIP leaks
 * beyond this package.
 */
final class SipEndpoint implements SipListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SipEndpoint.class);
    private static final int PORT_ATTEMPTS = 20;

    /** What a call does with the events of its dialogs; called on JAIN-SIP's threads. */
    interface Leg {
        void onResponse(ResponseEvent event);

        void onRequest(RequestEvent event);

        void onTimeout(ClientTransaction transaction);
    }

    private final SipStackImpl stack;
    private final SipProvider provider;
    private final AddressFactory addresses;
    private final HeaderFactory headers;
    private final MessageFactory messages;
    private final String host;
    private final int port;
    private final SipPeers peers;
    private final Map<String, Leg> legs = new ConcurrentHashMap<>();
    /** Opened by the first call that needs TCP; null until then. */
    private ListeningPoint tcp;

    private SipEndpoint(SipStackImpl stack, SipProvider provider, String host, int port, SipPeers peers) {
        this.stack = stack;
        this.provider = provider;
        this.host = host;
        this.port = port;
        this.peers = peers;
        // Built directly rather than through the process-wide SipFactory: nothing global to share or reset.
        this.addresses = new gov.nist.javax.sip.address.AddressFactoryImpl();
        this.headers = new gov.nist.javax.sip.header.HeaderFactoryImpl();
        this.messages = new gov.nist.javax.sip.message.MessageFactoryImpl();
    }

    /**
     * Starts the stack on the configured address, UDP only; port 0 takes a port free for both UDP and TCP, so that
     * TCP can open on it later.
     */
    static SipEndpoint start(SipConfig config, SipPeers peers) {
        var properties = new Properties();
        // A unique name: stacks are told apart by it, and tests run several nodes in one JVM.
        properties.setProperty("javax.sip.STACK_NAME", "batchcall-" + UUID.randomUUID());
        properties.setProperty("gov.nist.javax.sip.STACK_LOGGER", Slf4jStackLogger.class.getName());
        properties.setProperty("gov.nist.javax.sip.SERVER_LOGGER", Slf4jServerLogger.class.getName());
        properties.setProperty("gov.nist.javax.sip.TRACE_LEVEL", "32");
        // Events of different calls are handled in parallel; each call serialises its own.
        properties.setProperty("gov.nist.javax.sip.REENTRANT_LISTENER", "true");
        properties.setProperty("gov.nist.javax.sip.THREAD_POOL_SIZE", "8");
        var limits = config.limits();
        // A larger message closes its TCP connection; on UDP it is cut at this size and fails to parse.
        properties.setProperty("gov.nist.javax.sip.MAX_MESSAGE_SIZE", Integer.toString(limits.maxMessageBytes()));
        // Past the cap the stack stops accepting: more connections wait in the kernel's backlog until one closes.
        // Connections we open (to trunks and agents) do not count, so our own calls go on during a flood.
        properties.setProperty("gov.nist.javax.sip.MAX_CONNECTIONS", Integer.toString(limits.maxTcpConnections()));
        // Between two reads of one message; SipNetworkLayer bounds the silence before a message too.
        properties.setProperty(
                "gov.nist.javax.sip.READ_TIMEOUT",
                Long.toString(limits.tcpReadTimeout().toMillis()));
        properties.setProperty("gov.nist.javax.sip.NETWORK_LAYER", SipNetworkLayer.class.getName());
        properties.setProperty(
                SipNetworkLayer.READ_TIMEOUT_PROPERTY,
                Long.toString(limits.tcpReadTimeout().toMillis()));
        // Drops requests from unknown addresses before any transaction is made for them.
        properties.setProperty("gov.nist.javax.sip.SIP_MESSAGE_VALVE", SipSourceFilter.class.getName());
        try {
            var stack = new SipStackImpl(properties);
            int port = config.port();
            for (int attempt = 0; ; attempt++) {
                int candidate = port != 0 ? port : freePort(config.host());
                try {
                    var udp = stack.createListeningPoint(config.host(), candidate, ListeningPoint.UDP);
                    var provider = stack.createSipProvider(udp);
                    var endpoint = new SipEndpoint(stack, provider, config.host(), candidate, peers);
                    provider.addSipListener(endpoint);
                    stack.start();
                    peers.refreshInBackground();
                    log.info("SIP user agent listening host={} port={} transports=udp", config.host(), candidate);
                    return endpoint;
                } catch (javax.sip.InvalidArgumentException | javax.sip.TransportNotSupportedException e) {
                    if (port != 0 || attempt >= PORT_ATTEMPTS) {
                        stack.stop();
                        throw new IllegalStateException(
                                "cannot listen for SIP on " + config.host() + ":" + candidate + ": " + e.getMessage(),
                                e);
                    }
                }
            }
        } catch (SipException | java.util.TooManyListenersException e) {
            throw new IllegalStateException("the SIP stack did not start: " + e.getMessage(), e);
        }
    }

    /** A port free for UDP and TCP right now (the stack binds it a moment later; a lost race is retried). */
    private static int freePort(String host) {
        try (var udp = new DatagramSocket(0, InetAddress.getByName(host));
                var tcp = new ServerSocket(udp.getLocalPort(), 50, InetAddress.getByName(host))) {
            return tcp.getLocalPort();
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * Opens TCP on our port for a call that needs it (a tcp trunk or agent), once: until then nothing listens on
     * TCP, so a node whose trunks and agents all use UDP offers no TCP to anyone.
     */
    synchronized void ensureTcp() throws SipException {
        if (tcp != null) {
            return;
        }
        try {
            var listeningPoint = stack.createListeningPoint(host, port, ListeningPoint.TCP);
            provider.addListeningPoint(listeningPoint);
            tcp = listeningPoint;
            log.info("SIP user agent listening host={} port={} transports=udp,tcp", host, port);
        } catch (javax.sip.InvalidArgumentException
                | javax.sip.TransportNotSupportedException
                | javax.sip.ObjectInUseException e) {
            throw new SipException("cannot listen for SIP over TCP on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    SipPeers peers() {
        return peers;
    }

    AddressFactory addresses() {
        return addresses;
    }

    HeaderFactory headers() {
        return headers;
    }

    MessageFactory messages() {
        return messages;
    }

    SipProvider provider() {
        return provider;
    }

    String host() {
        return host;
    }

    int port() {
        return port;
    }

    CallIdHeader newCallId() {
        return provider.getNewCallId();
    }

    ViaHeader via(String transport) throws ParseException, javax.sip.InvalidArgumentException {
        return headers.createViaHeader(host, port, transport, null);
    }

    ContactHeader contact(String transport) throws ParseException {
        var uri = addresses.createSipURI("batchcall", host + ":" + port);
        uri.setTransportParam(transport);
        return headers.createContactHeader(addresses.createAddress(uri));
    }

    /** A digest helper for one call: it answers 401/407 with these credentials and caches them for the dialog. */
    AuthenticationHelper authentication(AccountManager accounts) {
        return ((SipStackExt) stack).getAuthenticationHelper(accounts, headers);
    }

    void register(String callId, Leg leg) {
        legs.put(callId, leg);
    }

    void unregister(String callId) {
        legs.remove(callId);
    }

    /** Answers a request, creating its server transaction if the stack did not. */
    void respond(RequestEvent event, int status, Optional<String> sdp) {
        try {
            var response = messages.createResponse(status, event.getRequest());
            if (sdp.isPresent()) {
                response.setContent(sdp.get(), headers.createContentTypeHeader("application", "sdp"));
                response.addHeader(contact(transportOf(event.getRequest())));
            }
            ServerTransaction transaction = event.getServerTransaction();
            if (transaction == null) {
                transaction = provider.getNewServerTransaction(event.getRequest());
            }
            transaction.sendResponse(response);
        } catch (ParseException | SipException | javax.sip.InvalidArgumentException e) {
            log.debug("SIP response not sent status={} error={}", status, e.toString());
        }
    }

    /** Acknowledges a 2xx to an INVITE in its dialog, with the SDP answer when the 200 carried an offer. */
    void ack(Dialog dialog, long sequence, Optional<String> sdp) {
        try {
            var ack = dialog.createAck(sequence);
            if (sdp.isPresent()) {
                ack.setContent(sdp.get(), headers.createContentTypeHeader("application", "sdp"));
            }
            dialog.sendAck(ack);
        } catch (SipException | ParseException | javax.sip.InvalidArgumentException e) {
            log.debug("ACK not sent callId={} error={}", dialog.getCallId().getCallId(), e.toString());
        }
    }

    /** Hangs up a dialog; a BYE that cannot be sent leaves nothing to do (the peer's timers end its side). */
    void bye(Dialog dialog, Duration t1) {
        try {
            var transaction = provider.getNewClientTransaction(dialog.createRequest(Request.BYE));
            transaction.setRetransmitTimer((int) t1.toMillis());
            dialog.sendRequest(transaction);
        } catch (SipException e) {
            log.debug("BYE not sent callId={} error={}", dialog.getCallId().getCallId(), e.toString());
        }
    }

    private static String transportOf(Request request) {
        var via = (ViaHeader) request.getHeader(ViaHeader.NAME);
        return via == null ? ListeningPoint.UDP : via.getTransport().toLowerCase(java.util.Locale.ROOT);
    }

    private Optional<Leg> legOf(javax.sip.message.Message message) {
        var callId = (CallIdHeader) message.getHeader(CallIdHeader.NAME);
        return callId == null ? Optional.empty() : Optional.ofNullable(legs.get(callId.getCallId()));
    }

    @Override
    public void processRequest(RequestEvent event) {
        var request = event.getRequest();
        var leg = legOf(request);
        if (leg.isPresent() && inDialog(event)) {
            leg.get().onRequest(event);
            return;
        }
        if (leg.isPresent()) {
            // our Call-ID with tags of no dialog of ours: guessed or stale, it must not touch the call
            if (!request.getMethod().equals(Request.ACK)) {
                respond(event, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST, Optional.empty());
            }
            return;
        }
        switch (request.getMethod()) {
            case Request.ACK -> {} // an ACK is never answered
            case Request.OPTIONS -> respond(event, Response.OK, Optional.empty());
            // batchcall only places calls: inbound INVITEs are refused, in-dialog strays have no dialog here
            case Request.INVITE -> respond(event, Response.FORBIDDEN, Optional.empty());
            case Request.BYE, Request.CANCEL ->
                respond(event, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST, Optional.empty());
            default -> respond(event, Response.NOT_IMPLEMENTED, Optional.empty());
        }
    }

    /**
     * Whether a request on one of our Call-IDs belongs to one of our dialogs: JAIN-SIP finds the dialog by Call-ID
     * and both tags, so a request whose tags name no dialog of ours has none. Every request a peer sends us is
     * in-dialog (we only place calls); an ACK is matched by its transaction and ignored by the calls anyway.
     */
    private static boolean inDialog(RequestEvent event) {
        var dialog = event.getDialog();
        if (event.getRequest().getMethod().equals(Request.ACK)) {
            return true;
        }
        if (dialog == null || dialog.getLocalTag() == null || dialog.getRemoteTag() == null) {
            return false;
        }
        var from = (javax.sip.header.FromHeader) event.getRequest().getHeader(javax.sip.header.FromHeader.NAME);
        var to = (javax.sip.header.ToHeader) event.getRequest().getHeader(javax.sip.header.ToHeader.NAME);
        return from != null
                && to != null
                && dialog.getRemoteTag().equals(from.getTag())
                && dialog.getLocalTag().equals(to.getTag());
    }

    @Override
    public void processResponse(ResponseEvent event) {
        legOf(event.getResponse()).ifPresent(leg -> leg.onResponse(event));
    }

    @Override
    public void processTimeout(TimeoutEvent event) {
        if (!event.isServerTransaction()) {
            var transaction = event.getClientTransaction();
            legOf(transaction.getRequest()).ifPresent(leg -> leg.onTimeout(transaction));
        }
    }

    @Override
    public void processIOException(IOExceptionEvent event) {
        log.debug(
                "SIP transport error host={} port={} transport={}",
                event.getHost(),
                event.getPort(),
                event.getTransport());
    }

    @Override
    public void processTransactionTerminated(TransactionTerminatedEvent event) {
        // calls track their own transactions
    }

    @Override
    public void processDialogTerminated(DialogTerminatedEvent event) {
        // calls end on BYE, final responses and their own timers
    }

    @Override
    public void close() {
        stack.stop();
    }
}
