package io.batchcall.webhooks;

import io.batchcall.domain.EgressPolicy;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/**
 * Where webhooks may be sent. An http or https URL with a host, no user info and no fragment; plain http is allowed
 * unless the operator requires https, because self-hosters often post to receivers on their own network (the
 * signature still proves origin and integrity, not confidentiality). The host must pass the same egress policy
 * as SIP and media URLs ({@code BATCHCALL_ALLOW_PRIVATE_NETWORKS}): checked when the URL is set and again before
 * every send, since a name can resolve elsewhere later.
 */
public final class WebhookUrls {
    private final EgressPolicy egress;
    private final boolean requireHttps;

    public WebhookUrls(EgressPolicy egress, boolean requireHttps) {
        this.egress = egress;
        this.requireHttps = requireHttps;
    }

    /** Why {@code url} cannot receive webhooks, if it cannot. */
    public Optional<String> refusal(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return Optional.of("URL is not valid: " + e.getReason());
        }
        var scheme = Optional.ofNullable(uri.getScheme())
                .map(s -> s.toLowerCase(Locale.ROOT))
                .orElse("");
        if (!scheme.equals("https") && !scheme.equals("http")) {
            return Optional.of("URL should be an http or https URL");
        }
        if (requireHttps && !scheme.equals("https")) {
            return Optional.of("URL should be an https URL (BATCHCALL_WEBHOOK_REQUIRE_HTTPS is set)");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            return Optional.of("URL should have a host");
        }
        if (uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            return Optional.of("URL should have no user info and no fragment");
        }
        return egress.refusal(uri.getHost());
    }
}
