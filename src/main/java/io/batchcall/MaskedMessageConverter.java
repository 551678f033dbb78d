package io.batchcall;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.batchcall.domain.PhoneMask;

/**
 * The log message with every phone number masked ({@code %maskedMsg} in logback.xml). Our own lines already
 * leave numbers out; this is the net under text we do not write ourselves: errors from the driver, a provider's
 * refusal, a library's warning.
 */
public final class MaskedMessageConverter extends MessageConverter {
    @Override
    public String convert(ILoggingEvent event) {
        return PhoneMask.maskWithin(super.convert(event));
    }
}
