package io.batchcall.config;

import java.util.Optional;

/**
 * Secrets from the environment. Each is optional: the default workspace's key and the secret key are generated
 * on first start when absent, and the admin API stays off (404) without an admin token.
 */
public record SecurityConfig(Optional<String> apiKey, Optional<String> adminToken, Optional<byte[]> secretKey) {

    @Override
    public String toString() {
        return "SecurityConfig[apiKey=" + apiKey.map(k -> "***") + ", adminToken=" + adminToken.map(t -> "***")
                + ", secretKey=" + secretKey.map(k -> "***") + "]";
    }
}
