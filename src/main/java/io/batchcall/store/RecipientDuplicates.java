package io.batchcall.store;

import io.batchcall.domain.NewRecipient;
import io.batchcall.domain.RecipientsRefused;
import io.batchcall.domain.WorkspaceId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * The check an append makes before it inserts: which new recipients repeat an id, phone number or WhatsApp user
 * the batch already has. One query for the whole list, then a refusal per repeated field in the API's 422 shape.
 */
final class RecipientDuplicates {
    private RecipientDuplicates() {}

    /** The appended recipients whose id, number or WhatsApp user the batch already has, by index. */
    static List<RecipientsRefused.Refusal> in(
            Handle handle, WorkspaceId workspace, String batchId, List<NewRecipient> recipients) {
        var existing = handle.createQuery("""
                        SELECT id, phone_number, whatsapp_user_id FROM recipients
                        WHERE workspace_id = :workspaceId AND batch_id = :batchId
                          AND (id = ANY(:ids) OR phone_number = ANY(:phones) OR whatsapp_user_id = ANY(:users))""")
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bindArray(
                        "ids",
                        String.class,
                        recipients.stream().map(NewRecipient::id).toList())
                .bindArray(
                        "phones",
                        String.class,
                        recipients.stream()
                                .flatMap(r -> r.phoneNumber().stream())
                                .toList())
                .bindArray(
                        "users",
                        String.class,
                        recipients.stream()
                                .flatMap(r -> r.whatsappUserId().stream())
                                .toList())
                .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3)})
                .list();
        Map<String, java.util.Set<String>> taken = new HashMap<>();
        for (var row : existing) {
            taken.computeIfAbsent("id", k -> new java.util.HashSet<>()).add(row[0]);
            if (row[1] != null) {
                taken.computeIfAbsent("phone_number", k -> new java.util.HashSet<>())
                        .add(row[1]);
            }
            if (row[2] != null) {
                taken.computeIfAbsent("whatsapp_user_id", k -> new java.util.HashSet<>())
                        .add(row[2]);
            }
        }
        var refusals = new ArrayList<RecipientsRefused.Refusal>();
        for (int i = 0; i < recipients.size(); i++) {
            var r = recipients.get(i);
            var values = new java.util.LinkedHashMap<String, Optional<String>>();
            values.put("id", Optional.of(r.id()));
            values.put("phone_number", r.phoneNumber());
            values.put("whatsapp_user_id", r.whatsappUserId());
            for (var field : values.entrySet()) {
                var value = field.getValue();
                if (value.isPresent()
                        && taken.getOrDefault(field.getKey(), java.util.Set.of())
                                .contains(value.get())) {
                    refusals.add(new RecipientsRefused.Refusal(
                            i,
                            field.getKey(),
                            "Value error, duplicate "
                                    + field.getKey().replace('_', ' ') + ": the batch already has a recipient with "
                                    + value.get(),
                            "value_error"));
                }
            }
        }
        return refusals;
    }
}
