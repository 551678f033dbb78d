package io.batchcall.telephony.sip;

import gov.nist.core.ServerLogger;
import gov.nist.javax.sip.message.SIPMessage;
import java.util.Properties;
import javax.sip.SipStack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JAIN-SIP's message trace, sent to SLF4J at TRACE (property {@code gov.nist.javax.sip.SERVER_LOGGER}). Messages
 * carry phone numbers and digest responses, so they are only ever logged at a level meant for debugging a trunk.
 */
public final class Slf4jServerLogger implements ServerLogger {
    private static final Logger log = LoggerFactory.getLogger("io.batchcall.telephony.sip.messages");

    public Slf4jServerLogger() {
        // instantiated reflectively by the stack
    }

    @Override
    public void closeLogFile() {
        // no file
    }

    @Override
    public void logMessage(SIPMessage message, String from, String to, boolean sender, long time) {
        trace(message, from, to, sender);
    }

    @Override
    public void logMessage(SIPMessage message, String from, String to, String status, boolean sender, long time) {
        trace(message, from, to, sender);
    }

    @Override
    public void logMessage(SIPMessage message, String from, String to, String status, boolean sender) {
        trace(message, from, to, sender);
    }

    private static void trace(SIPMessage message, String from, String to, boolean sender) {
        if (log.isTraceEnabled()) {
            log.trace("SIP message {} from={} to={}\n{}", sender ? "sent" : "received", from, to, message);
        }
    }

    @Override
    public void logException(Exception ex) {
        log.debug("SIP stack exception", ex);
    }

    @Override
    public void setStackProperties(Properties stackProperties) {
        // nothing to configure: SLF4J is
    }

    @Override
    public void setSipStack(SipStack sipStack) {
        // not needed
    }
}
