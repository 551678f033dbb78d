package io.batchcall.telephony.sip;

import gov.nist.core.StackLogger;
import io.batchcall.domain.PhoneMask;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JAIN-SIP's internal log, sent to SLF4J. The stack instantiates this class by name (stack property
 * {@code gov.nist.javax.sip.STACK_LOGGER}); without it the stack looks for log4j 1.x and fails to start.
 * The stack's own chatter is DEBUG at most here: its warnings (TLS setup, say) are not ours to raise.
 */
public final class Slf4jStackLogger implements StackLogger {
    private static final Logger log = LoggerFactory.getLogger("io.batchcall.telephony.sip.stack");

    public Slf4jStackLogger() {
        // instantiated reflectively by the stack
    }

    @Override
    public void logStackTrace() {
        // the stack calls this to dump its caller's stack; our logs carry exceptions where they matter
    }

    @Override
    public void logStackTrace(int traceLevel) {
        // see logStackTrace()
    }

    @Override
    public int getLineCount() {
        return 0;
    }

    @Override
    public void logException(Throwable ex) {
        log.debug("SIP stack exception", ex);
    }

    @Override
    public void logDebug(String message) {
        log.trace(message);
    }

    @Override
    public void logDebug(String message, Exception ex) {
        log.trace(message, ex);
    }

    @Override
    public void logTrace(String message) {
        log.trace(message);
    }

    @Override
    public void logFatalError(String message) {
        // The stack's text may quote a message it choked on: To, From and the Request-URI hold phone numbers.
        log.error(PhoneMask.maskWithin(message));
    }

    @Override
    public void logError(String message) {
        log.debug(message);
    }

    @Override
    public boolean isLoggingEnabled() {
        return log.isDebugEnabled();
    }

    @Override
    public boolean isLoggingEnabled(int logLevel) {
        return switch (logLevel) {
            case TRACE_FATAL -> log.isErrorEnabled();
            case TRACE_ERROR, TRACE_WARN, TRACE_INFO -> log.isDebugEnabled();
            default -> log.isTraceEnabled();
        };
    }

    @Override
    public void logError(String message, Exception ex) {
        log.debug(message, ex);
    }

    @Override
    public void logWarning(String message) {
        log.debug(message);
    }

    @Override
    public void logInfo(String message) {
        log.debug(message);
    }

    @Override
    public void disableLogging() {
        // levels are SLF4J's to decide
    }

    @Override
    public void enableLogging() {
        // levels are SLF4J's to decide
    }

    @Override
    public void setBuildTimeStamp(String buildTimeStamp) {
        // not logged
    }

    @Override
    public void setStackProperties(Properties stackProperties) {
        // nothing to configure: SLF4J is
    }

    @Override
    public String getLoggerName() {
        return log.getName();
    }
}
