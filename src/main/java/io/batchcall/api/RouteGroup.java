package io.batchcall.api;

import io.javalin.config.RoutesConfig;

/** One resource's routes (and the before-handlers that guard them), registered on the server at start. */
public interface RouteGroup {
    void register(RoutesConfig routes);
}
