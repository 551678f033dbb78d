package io.batchcall.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchcall.domain.CallResult;
import io.batchcall.domain.Conversation;
import io.batchcall.domain.PhoneCall;
import java.util.List;
import java.util.Optional;

/**
 * A conversation as ElevenLabs' {@code GetConversationResponseModel} has it: the body of GET conversation and the
 * {@code data} of {@code post_call_transcription}, one serializer for both. Keys the SDK requires are always there
 * with the right types (it throws on a missing or null required key): {@code transcript}, the four
 * {@code has_*audio}, {@code metadata.start_time_unix_secs} and {@code call_duration_secs}, {@code stream_sid}
 * for Twilio, and {@code analysis.call_successful} with a string {@code transcript_summary}. Top-level
 * {@code call_successful} is our older extension, kept beside {@code analysis}.
 */
public final class ConversationWire {
    private static final List<String> AUDIO =
            List.of("has_audio", "has_user_audio", "has_response_audio", "has_auxiliary_audio");

    private ConversationWire() {}

    public static ObjectNode conversation(Conversation c, Optional<String> agentName) {
        var shown = WireJson.MAPPER.createObjectNode();
        shown.put("agent_id", c.agentId());
        shown.put("agent_name", agentName.orElse(null));
        shown.put("conversation_id", c.id());
        // ElevenLabs' user_id is the one given in conversation_initiation_client_data.
        var clientData = c.clientDataJson().map(ConversationWire::parse);
        shown.put(
                "user_id",
                clientData
                        .map(data -> data.path("user_id"))
                        .filter(JsonNode::isTextual)
                        .map(JsonNode::asText)
                        .orElse(null));
        shown.put("branch_id", c.branchId().orElse(null));
        shown.put("status", c.status().wireName());
        shown.set("transcript", parse(c.transcriptJson()));
        var metadata = shown.putObject("metadata");
        metadata.put("start_time_unix_secs", c.startTime().getEpochSecond());
        metadata.put("call_duration_secs", c.callDurationSecs());
        metadata.put("termination_reason", c.terminationReason().orElse(""));
        // Required (nullable) in the SDK's model: batchcall does not price calls.
        metadata.putNull("cost_fiat");
        c.phoneCall().ifPresent(call -> metadata.put("conversation_initiation_source", initiationSource(call)));
        if (c.batchId().isPresent()) {
            var batch = metadata.putObject("batch_call");
            batch.put("batch_call_id", c.batchId().get());
            batch.put("batch_call_recipient_id", c.recipientId().orElse(null));
            // ElevenLabs' BatchCallingCampaignInformation, shown for the dials a retry policy (or a retry) added.
            if (c.attemptNumber().filter(n -> n > 1).isPresent()) {
                var campaign = batch.putObject("campaign");
                campaign.put("campaign_id", c.batchId().get());
                campaign.put("campaign_lead_id", c.recipientId().orElse(null));
                campaign.put("cold_attempt", false);
                campaign.put("conversation_type", "retry");
            }
        } else {
            metadata.putNull("batch_call");
        }
        var whatsapp = c.phoneCall().filter(call -> PhoneCall.WHATSAPP.equals(call.type()));
        whatsapp.ifPresent(call -> {
            // ElevenLabs' WhatsAppConversationInfo: the user is who the call went to, the number is Meta's id.
            var info = metadata.putObject("whatsapp");
            info.put("direction", call.direction());
            info.put("whatsapp_phone_number_id", c.phoneNumberId().orElse(null));
            info.put("whatsapp_user_id", call.externalNumber());
            info.putNull("awaiting_first_user_message");
        });
        metadata.set(
                "phone_call",
                c.phoneCall()
                        .filter(call -> whatsapp.isEmpty())
                        .<JsonNode>map(call -> {
                            var phoneCall = WireJson.MAPPER.createObjectNode();
                            phoneCall.put("direction", call.direction());
                            phoneCall.put("phone_number_id", c.phoneNumberId().orElse(null));
                            phoneCall.put("agent_number", call.agentNumber());
                            phoneCall.put("external_number", call.externalNumber());
                            phoneCall.put("type", call.type());
                            phoneCall.put("call_sid", call.callSid());
                            phoneCall.put("stream_sid", call.streamSid().orElse(""));
                            // Optional in the SDK's model: absent while the call still rings and nobody knows yet.
                            c.callResult()
                                    .map(CallResult::wireName)
                                    .ifPresent(result -> phoneCall.put("call_result", result));
                            return phoneCall;
                        })
                        .orElse(null));
        var analysis = shown.putObject("analysis");
        analysis.put("call_successful", c.callSuccessful().wireName());
        analysis.put("transcript_summary", c.transcriptSummary().orElse(""));
        analysis.set("data_collection_results", parse(c.dataCollectionResultsJson()));
        analysis.set("evaluation_criteria_results", parse(c.evaluationCriteriaResultsJson()));
        shown.set("conversation_initiation_client_data", clientData.orElse(null));
        // A provider recording is the whole call's mixed audio: there are no separate user or agent tracks.
        for (var audio : AUDIO) {
            shown.put(audio, audio.equals("has_audio") && c.hasAudio());
        }
        shown.put("call_successful", c.callSuccessful().wireName());
        return shown;
    }

    /** ElevenLabs' {@code conversation_initiation_source} of a phone call: the provider that carried it. */
    public static String initiationSource(PhoneCall call) {
        return switch (call.type()) {
            case PhoneCall.TWILIO -> "twilio";
            case PhoneCall.EXOTEL -> "exotel";
            case PhoneCall.SIP_TRUNKING -> "sip_trunk";
            case PhoneCall.WHATSAPP -> "whatsapp";
            default -> "unknown";
        };
    }

    /** The {@code metadata.phone_call.type}s a {@code conversation_initiation_source} covers (none: no call of ours). */
    public static List<String> phoneCallTypes(String initiationSource) {
        return switch (initiationSource) {
            case "twilio" -> List.of(PhoneCall.TWILIO);
            case "exotel" -> List.of(PhoneCall.EXOTEL);
            case "sip_trunk" -> List.of(PhoneCall.SIP_TRUNKING);
            case "whatsapp" -> List.of(PhoneCall.WHATSAPP);
            default -> List.of();
        };
    }

    /** A JSON text the store kept as jsonb (so it parses). */
    public static JsonNode parse(String json) {
        try {
            return WireJson.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("conversations keep their JSON fields as jsonb", e);
        }
    }
}
