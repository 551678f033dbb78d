package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.batchcall.store.SuppressionStore.NewEntry;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How numbers for a do-not-call list are read: the forms people keep them in, and what is refused. */
class SuppressionImportTest {
    @Test
    void e164_with_formatting_nanp_ten_and_eleven_digits_and_prefixes_are_read() {
        assertThat(SuppressionImport.entry("+1 (415) 555-0123")).contains(new NewEntry("+14155550123", false));
        assertThat(SuppressionImport.entry("415.555.0123")).contains(new NewEntry("+14155550123", false));
        assertThat(SuppressionImport.entry("14155550123")).contains(new NewEntry("+14155550123", false));
        assertThat(SuppressionImport.entry("+44 20 7183 8750")).contains(new NewEntry("+442071838750", false));
        assertThat(SuppressionImport.entry("+1 201*")).contains(new NewEntry("+1201", true));
        assertThat(SuppressionImport.entry("+1201*").orElseThrow().shown()).isEqualTo("+1201*");
    }

    @Test
    void text_short_numbers_bare_stars_and_prefixes_without_a_plus_are_refused() {
        for (var bad : List.of("", "abc", "12345", "*", "+*", "1201*", "+0201*", "+1415555012345678*", "+1555")) {
            assertThat(SuppressionImport.entry(bad)).as(bad).isEqualTo(Optional.empty());
        }
    }

    @Test
    void a_csv_takes_the_first_column_skips_blank_lines_a_bom_and_a_header_and_reports_lines() {
        var parsed = SuppressionImport.fromCsv(
                "\uFEFFNumber;Name\r\n\"+1 415 555 0123\";Ann\r\n\r\n4155550124\tBen\r\nnope,Cy\r\n");

        assertThat(parsed.entries())
                .containsExactly(new NewEntry("+14155550123", false), new NewEntry("+14155550124", false));
        assertThat(parsed.invalid())
                .containsExactly(new SuppressionImport.Invalid(5, "nope", SuppressionImport.INVALID_REASON));
    }

    @Test
    void a_first_row_with_a_number_is_data_not_a_header() {
        var parsed = SuppressionImport.fromCsv("+14155550123\n+14155550124\n");

        assertThat(parsed.entries()).hasSize(2);
    }

    @Test
    void a_csv_past_the_row_limit_is_refused_whole() {
        var csv = "+14155550123\n".repeat(SuppressionImport.MAX_ROWS + 1);

        assertThatThrownBy(() -> SuppressionImport.fromCsv(csv)).isInstanceOf(ValidationException.class);
        assertThat(SuppressionImport.fromCsv("+14155550123\n".repeat(SuppressionImport.MAX_ROWS))
                        .entries())
                .hasSize(SuppressionImport.MAX_ROWS);
    }
}
