package io.batchcall.api;

import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.Provider;
import io.batchcall.store.PhoneNumberStore;
import io.batchcall.store.WhatsAppInbox;
import io.batchcall.telephony.whatsapp.WhatsAppEvent;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET/POST /v1/batchcall/whatsapp/webhooks/{phone_number_id}}: the callback URL of one WhatsApp account in
 * Meta's app settings. Not behind the API key ({@link Authentication} lets it through): the GET is Meta's
 * subscription handshake against the account's verify token, and a POST must carry {@code X-Hub-Signature-256},
 * the HMAC-SHA256 of its raw bytes under the account's app secret. A signed delivery is stored in the inbox before
 * it is answered, and handed over afterwards ({@link WhatsAppHandOff}).
 */
public final class WhatsAppWebhookRoutes implements RouteGroup {
    public static final String PATH = "/v1/batchcall/whatsapp/webhooks";
    private static final Logger log = LoggerFactory.getLogger(WhatsAppWebhookRoutes.class);
    private static final String SIGNATURE_PREFIX = "sha256=";

    private final PhoneNumberStore phoneNumbers;
    private final WhatsAppInbox inbox;
    private final WhatsAppHandOff handOff;
    private final Clock clock;

    public WhatsAppWebhookRoutes(
            PhoneNumberStore phoneNumbers, WhatsAppInbox inbox, WhatsAppHandOff handOff, Clock clock) {
        this.phoneNumbers = phoneNumbers;
        this.inbox = inbox;
        this.handOff = handOff;
        this.clock = clock;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get(PATH + "/{phone_number_id}", this::verify);
        routes.post(PATH + "/{phone_number_id}", this::receive);
    }

    /** Meta's handshake: {@code hub.challenge} back when the mode is subscribe and the token is the account's. */
    private void verify(Context ctx) {
        var account = account(ctx);
        var expected = secret(account, "verify_token");
        var presented = ctx.queryParam("hub.verify_token");
        if (!"subscribe".equals(ctx.queryParam("hub.mode"))
                || expected.isEmpty()
                || presented == null
                || !MessageDigest.isEqual(
                        expected.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8))) {
            log.info("WhatsApp webhook verification refused phoneNumberId={}", account.id());
            throw new ApiException(403, "verification_failed", "hub.mode or hub.verify_token is not as configured");
        }
        var challenge = ctx.queryParam("hub.challenge");
        ctx.status(200).contentType("text/plain").result(challenge == null ? "" : challenge);
    }

    private void receive(Context ctx) {
        var account = account(ctx);
        var body = ctx.bodyAsBytes();
        if (!signedBy(secret(account, "app_secret"), body, ctx.header("X-Hub-Signature-256"))) {
            log.warn("WhatsApp webhook refused: bad signature phoneNumberId={}", account.id());
            throw new ApiException(401, "invalid_signature", "X-Hub-Signature-256 is missing or does not match");
        }
        var workspace = account.workspaceId();
        var text = new String(body, StandardCharsets.UTF_8);
        List<WhatsAppEvent> events;
        try {
            events = WhatsAppWebhookPayloads.parse(Json.MAPPER.readTree(body), clock.instant());
        } catch (java.io.IOException e) {
            throw new ApiException(400, "invalid_json", "The body is not JSON");
        }
        // A delivery may name other numbers of the same business: those of this workspace's accounts are taken,
        // any other is not ours to act on.
        var ours = new HashSet<String>();
        var received = new java.util.ArrayList<WhatsAppInbox.Received>();
        var byKey = new HashMap<String, WhatsAppEvent>();
        for (var event : events) {
            var id = event.phoneNumberId();
            if (!ours.contains(id)) {
                if (!id.equals(account.id())
                        && phoneNumbers
                                .find(workspace, id)
                                .filter(n -> n.provider() == Provider.WHATSAPP)
                                .isEmpty()) {
                    log.debug("WhatsApp event ignored: not an account of the workspace phoneNumberId={}", id);
                    continue;
                }
                ours.add(id);
            }
            if (byKey.putIfAbsent(event.dedupeKey(), event) == null) {
                received.add(new WhatsAppInbox.Received(id, event.dedupeKey(), text));
            }
        }
        var fresh = inbox.receive(workspace, received);
        handOff.handOff(fresh, Map.copyOf(byKey));
        ctx.json(Map.of("success", true));
    }

    private PhoneNumber account(Context ctx) {
        return phoneNumbers
                .whatsAppAccount(ctx.pathParam("phone_number_id"))
                .orElseThrow(WhatsAppAccountRoutes::notFound);
    }

    private String secret(PhoneNumber account, String key) {
        return phoneNumbers
                .credentials(account.workspaceId(), account.id())
                .map(secrets -> secrets.getOrDefault(key, ""))
                .orElse("");
    }

    /** True when {@code header} is {@code sha256=} and the hex HMAC-SHA256 of the raw bytes under the secret. */
    static boolean signedBy(String appSecret, byte[] body, String header) {
        if (appSecret.isEmpty() || header == null || !header.startsWith(SIGNATURE_PREFIX)) {
            return false;
        }
        try {
            var mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(appSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            var expected = HexFormat.of().formatHex(mac.doFinal(body)).getBytes(StandardCharsets.US_ASCII);
            var presented = header.substring(SIGNATURE_PREFIX.length())
                    .toLowerCase(Locale.ROOT)
                    .getBytes(StandardCharsets.US_ASCII);
            return MessageDigest.isEqual(expected, presented);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
