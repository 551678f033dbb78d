package io.batchcall.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CallResultTest {
    @Test
    void an_answered_call_is_answered_whatever_ended_it_and_voicemail_stays_voicemail() {
        assertThat(CallResult.of(new Outcome.Completed(), true)).isEqualTo(CallResult.ANSWERED);
        assertThat(CallResult.of(new Outcome.Failed("agent unreachable", true), true))
                .isEqualTo(CallResult.ANSWERED);
        assertThat(CallResult.of(new Outcome.Interrupted("node died"), true)).isEqualTo(CallResult.ANSWERED);
        assertThat(CallResult.of(new Outcome.Voicemail(), true)).isEqualTo(CallResult.VOICEMAIL);
        assertThat(CallResult.of(new Outcome.Voicemail(), false)).isEqualTo(CallResult.VOICEMAIL);
    }

    @Test
    void an_unanswered_call_says_why_and_a_cancelled_or_interrupted_ring_is_failed() {
        assertThat(CallResult.of(new Outcome.Busy(), false)).isEqualTo(CallResult.BUSY);
        assertThat(CallResult.of(new Outcome.NoAnswer(), false)).isEqualTo(CallResult.NO_ANSWER);
        assertThat(CallResult.of(new Outcome.Failed("404", false), false)).isEqualTo(CallResult.FAILED);
        assertThat(CallResult.of(new Outcome.Cancelled(), false)).isEqualTo(CallResult.FAILED);
        assertThat(CallResult.of(new Outcome.Interrupted("node died"), false)).isEqualTo(CallResult.FAILED);
    }

    @Test
    void only_answered_and_voicemail_calls_talked_and_wire_names_are_elevenlabs() {
        assertThat(java.util.Arrays.stream(CallResult.values()).filter(CallResult::talked))
                .containsExactly(CallResult.ANSWERED, CallResult.VOICEMAIL);
        assertThat(java.util.Arrays.stream(CallResult.values()).map(CallResult::wireName))
                .containsExactly("answered", "voicemail", "busy", "no_answer", "failed");
    }
}
