package io.batchcall.api.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.support.Await;
import io.batchcall.support.Fixtures;
import io.batchcall.support.HttpResult;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.stream.IntStream;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/convai/batch-calling/recipients/validate}: CSV and XLSX in, submit-ready recipients out. */
@WithServer
class RecipientValidateTest {
    private static final String VALIDATE = "/v1/convai/batch-calling/recipients/validate";
    private static TestServer server;
    private static String agentId;

    @BeforeAll
    static void start() {
        var fixtures = new Fixtures(server);
        agentId = fixtures.agent(TestServer.API_KEY, "Uploads");
        fixtures.phoneNumber(TestServer.API_KEY, agentId);
    }

    private static HttpResult upload(String name, byte[] content) {
        return server.client().postFile(VALIDATE, "file", name, content);
    }

    private static HttpResult uploadCsv(String csv) {
        return upload("people.csv", csv.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void csv_rows_become_submit_ready_recipients_with_dynamic_variables_and_overrides() {
        var response = uploadCsv("""
                phone_number,name,Language,first_message,system_prompt,voice_id,visits,zip
                +1 (415) 555-2671,Ann,de,Hallo {{name}},Be brief,voice_1,3,01234
                +442071838750,Ben,,,,,,
                """);

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        var body = response.json();
        assertThat(body.get("errors")).isEmpty();
        assertThat(body.get("recipient_rows").toString()).isEqualTo("[2,3]");
        var ann = body.get("recipients").get(0);
        assertThat(ann.get("phone_number").asText()).isEqualTo("+14155552671");
        var data = ann.get("conversation_initiation_client_data");
        assertThat(data.get("dynamic_variables").toString())
                .isEqualTo("{\"name\":\"Ann\",\"visits\":3,\"zip\":\"01234\"}");
        assertThat(data.get("conversation_config_override").toString())
                .isEqualTo(
                        "{\"agent\":{\"language\":\"de\",\"first_message\":\"Hallo {{name}}\",\"prompt\":{\"prompt\":\"Be brief\"}},"
                                + "\"tts\":{\"voice_id\":\"voice_1\"}}");
        var ben = body.get("recipients").get(1).get("conversation_initiation_client_data");
        assertThat(ben.has("conversation_config_override")).isFalse();
        assertThat(ben.get("dynamic_variables").get("visits").asText()).isEmpty();
        assertThat(body.at("/counts/rows").asInt()).isEqualTo(2);
        assertThat(body.at("/counts/valid").asInt()).isEqualTo(2);
        assertThat(body.at("/columns/dynamic_variables").toString()).isEqualTo("[\"name\",\"visits\",\"zip\"]");
        assertThat(body.get("format").asText()).isEqualTo("csv");
    }

    @Test
    void invalid_duplicate_and_empty_numbers_are_reported_with_their_row_numbers_and_left_out() {
        var response = uploadCsv("""
                phone_number,name
                +14155550101,Ann
                not a number,Ben
                +1 415 555 0101,Cid

                ,Dee
                +14155550102,Eve
                """);

        var body = response.json();
        assertThat(body.get("errors")).hasSize(3);
        assertThat(body.get("errors").get(0).toString())
                .contains(
                        "\"row\":3",
                        "\"column\":\"phone_number\"",
                        "\"value\":\"not a number\"",
                        "Not a valid phone number");
        assertThat(body.get("errors").get(1).toString()).contains("\"row\":4", "Duplicate: row 2 has the same number");
        assertThat(body.get("errors").get(2).toString()).contains("\"row\":6", "Empty");
        assertThat(body.get("recipient_rows").toString()).isEqualTo("[2,7]");
        assertThat(body.get("counts").toString())
                .isEqualTo(
                        "{\"rows\":5,\"valid\":2,\"invalid\":3,"
                                + "\"invalid_numbers\":1,\"duplicate_numbers\":1,\"empty_phone_numbers\":1,\"blank_rows_skipped\":1}");
    }

    @Test
    void quoted_cells_semicolons_a_byte_order_mark_and_crlf_are_read_as_spreadsheet_programs_write_them() {
        var csv = "\uFEFFphone_number;note\r\n+14155550101;\"says \"\"hi\"\"; then\r\nleaves\"\r\n";

        var body = uploadCsv(csv).json();

        assertThat(body.get("errors")).isEmpty();
        assertThat(body.at("/recipients/0/conversation_initiation_client_data/dynamic_variables/note")
                        .asText())
                .isEqualTo("says \"hi\"; then\r\nleaves");
    }

    @Test
    void a_file_that_is_not_utf_8_is_read_as_windows_1252() {
        var csv = "phone_number,name\n+14155550101,Jos\u00e9\n"
                .getBytes(java.nio.charset.Charset.forName("windows-1252"));

        var body = upload("legacy.csv", csv).json();

        assertThat(body.at("/recipients/0/conversation_initiation_client_data/dynamic_variables/name")
                        .asText())
                .isEqualTo("Jos\u00e9");
    }

    @Test
    void an_xlsx_workbook_is_read_like_a_csv_with_numbers_as_excel_shows_them() throws IOException {
        var bytes = workbook(new Object[][] {
            {"phone_number", "name", "sim_ring_ms"},
            {"+14155550101", "Ann", 250.0},
            {"+14155550101", "Ann again", 10.0},
            {14155550102.0, "No plus", 0.0}
        });

        var response = upload("people.xlsx", bytes);

        var body = response.json();
        assertThat(body.get("format").asText()).isEqualTo("xlsx");
        assertThat(body.get("recipients")).hasSize(1);
        assertThat(body.at("/recipients/0/conversation_initiation_client_data/dynamic_variables")
                        .toString())
                .isEqualTo("{\"name\":\"Ann\",\"sim_ring_ms\":250}");
        assertThat(body.get("errors")).extracting(e -> e.get("row").asInt()).containsExactly(3, 4);
        assertThat(body.at("/errors/1/value").asText()).isEqualTo("14155550102");
    }

    @Test
    void a_file_without_a_phone_number_column_is_a_422_naming_the_columns_it_has() {
        var response = uploadCsv("number,name\n+14155550101,Ann\n");

        assertThat(response.status()).isEqualTo(422);
        assertThat(response.json().at("/detail/0/loc").toString()).isEqualTo("[\"body\",\"file\"]");
        assertThat(response.json().at("/detail/0/msg").asText()).contains("no phone_number column", "number, name");
    }

    @Test
    void broken_files_are_422s_that_say_what_is_wrong() {
        assertThat(uploadCsv("phone_number,name\n+14155550101,\"Ann\n")
                        .json()
                        .at("/detail/0/msg")
                        .asText())
                .contains("Row 2", "never closed");
        assertThat(uploadCsv("").json().at("/detail/0/msg").asText()).contains("empty");
        assertThat(uploadCsv("phone_number,name,name\n")
                        .json()
                        .at("/detail/0/msg")
                        .asText())
                .contains("Columns 2 and 3");
        assertThat(upload("x.xlsx", new byte[] {'P', 'K', 3, 4, 0, 0})
                        .json()
                        .at("/detail/0/msg")
                        .asText())
                .contains("not a readable XLSX");
        assertThat(upload("x.xls", new byte[] {(byte) 0xD0, (byte) 0xCF, 0x11, (byte) 0xE0, 0})
                        .json()
                        .at("/detail/0/msg")
                        .asText())
                .contains(".xls");
    }

    @Test
    void more_than_10000_rows_is_a_422_and_a_file_over_10_mb_is_a_413() {
        var rows = new StringBuilder("phone_number\n");
        IntStream.range(0, 10_001)
                .forEach(i -> rows.append("+1415555")
                        .append(String.format("%04d", i % 10_000))
                        .append('\n'));
        var big = new byte[10 * 1024 * 1024 + 1];
        java.util.Arrays.fill(big, (byte) 'a');

        var tooMany = uploadCsv(rows.toString());
        var tooLarge = upload("big.csv", big);

        assertThat(tooMany.status()).isEqualTo(422);
        assertThat(tooMany.json().at("/detail/0/msg").asText()).contains("more than 10000 rows");
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tooLarge.json().at("/detail/status").asText()).isEqualTo("file_too_large");
    }

    @Test
    void a_request_without_a_file_is_a_422_and_one_without_a_key_a_401() {
        var json = server.client().post(VALIDATE, "{}");
        var anonymous = server.anonymous()
                .postFile(VALIDATE, "file", "a.csv", "phone_number\n".getBytes(StandardCharsets.UTF_8));
        var wrongField = server.client()
                .postFile(VALIDATE, "upload", "a.csv", "phone_number\n".getBytes(StandardCharsets.UTF_8));

        assertThat(json.status()).isEqualTo(422);
        assertThat(wrongField.status()).isEqualTo(422);
        assertThat(wrongField.json().at("/detail/0/loc").toString()).isEqualTo("[\"body\",\"file\"]");
        assertThat(anonymous.status()).isEqualTo(401);
    }

    @Test
    void validated_recipients_submit_as_they_are_and_validating_stores_nothing() {
        var before = server.client()
                .get("/v1/convai/batch-calling/workspace")
                .json()
                .get("batch_calls")
                .size();
        var body = uploadCsv("phone_number,name,sim_outcome\n+14155550101,Ann,completed\n+14155550102,Ben,busy\n")
                .json();
        var after = server.client()
                .get("/v1/convai/batch-calling/workspace")
                .json()
                .get("batch_calls")
                .size();

        var submit = server.client()
                .post(
                        "/v1/convai/batch-calling/submit",
                        "{\"call_name\":\"From a file\"," + "\"agent_id\":\"" + agentId + "\",\"recipients\":"
                                + body.get("recipients") + "}");

        assertThat(after).isEqualTo(before);
        assertThat(submit.status()).as(submit.toString()).isEqualTo(200);
        var id = submit.json().get("id").asText();
        Await.until(
                Duration.ofSeconds(20),
                "the batch finishes",
                () -> server.client()
                        .get("/v1/convai/batch-calling/" + id)
                        .json()
                        .get("status")
                        .asText()
                        .equals("completed"));
        JsonNode batch = server.client().get("/v1/convai/batch-calling/" + id).json();
        assertThat(batch.get("recipients"))
                .extracting(r -> r.get("last_outcome").asText())
                .containsExactly("completed", "busy");
        var annId = batch.at("/recipients/0/id").asText();
        var attempts = server.client()
                .get("/v1/convai/batch-calling/" + id + "/attempts?recipient_id=" + annId)
                .json();
        assertThat(attempts.get("attempts"))
                .singleElement()
                .satisfies(a -> assertThat(a.get("recipient_id").asText()).isEqualTo(annId));
    }

    private static byte[] workbook(Object[][] rows) throws IOException {
        try (var workbook = new XSSFWorkbook();
                var out = new ByteArrayOutputStream()) {
            var sheet = workbook.createSheet("Recipients");
            for (int r = 0; r < rows.length; r++) {
                var row = sheet.createRow(r);
                for (int c = 0; c < rows[r].length; c++) {
                    if (rows[r][c] instanceof Double number) {
                        row.createCell(c).setCellValue(number);
                    } else {
                        row.createCell(c).setCellValue((String) rows[r][c]);
                    }
                }
            }
            workbook.write(out);
            return out.toByteArray();
        }
    }
}
