package io.batchcall;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.IThrowableProxy;
import io.batchcall.domain.PhoneMask;

/**
 * A logged exception and its causes with every phone number masked ({@code %maskedEx} in logback.xml): exception
 * messages are text we do not write (see {@link MaskedMessageConverter}).
 */
public final class MaskedThrowableConverter extends ThrowableProxyConverter {
    @Override
    protected String throwableProxyToString(IThrowableProxy proxy) {
        return PhoneMask.maskWithin(super.throwableProxyToString(proxy));
    }
}
