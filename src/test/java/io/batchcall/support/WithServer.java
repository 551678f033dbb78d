package io.batchcall.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts one {@link TestServer} for the test class, with the standard test settings plus {@link #env()}, puts it in
 * the class's static {@code TestServer} field before any {@code @BeforeAll} method runs, and closes it after every
 * {@code @AfterAll} method ran: what about twenty classes each wrote out by hand.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(ServerExtension.class)
public @interface WithServer {
    /** Extra settings, each {@code NAME=value}. */
    String[] env() default {};
}
