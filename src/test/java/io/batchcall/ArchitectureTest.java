package io.batchcall;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.batchcall.domain.IdSource;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** The package rules of style.md: packages draw the architecture, and these tests keep the drawing true. */
class ArchitectureTest {
    private static final com.tngtech.archunit.core.domain.JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.batchcall");

    @Test
    void packages_depend_only_on_what_style_md_allows() {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("App")
                .definedBy("io.batchcall")
                .layer("Config")
                .definedBy("io.batchcall.config..")
                .layer("Domain")
                .definedBy("io.batchcall.domain..")
                .layer("Store")
                .definedBy("io.batchcall.store..")
                .layer("Telephony")
                .definedBy("io.batchcall.telephony..")
                .layer("Dispatch")
                .definedBy("io.batchcall.dispatch..")
                .layer("Webhooks")
                .definedBy("io.batchcall.webhooks..")
                .layer("Api")
                .definedBy("io.batchcall.api..")
                .layer("Rules")
                .definedBy("io.batchcall.rules..")
                .layer("Wire")
                .definedBy("io.batchcall.wire..")
                .whereLayer("App")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("Api")
                .mayOnlyBeAccessedByLayers("App")
                // Campaign rules backed by libraries (calling windows): built in App, handed to the claim.
                .whereLayer("Rules")
                .mayOnlyBeAccessedByLayers("Api", "App")
                .whereLayer("Dispatch")
                .mayOnlyBeAccessedByLayers("Api", "App")
                .whereLayer("Webhooks")
                .mayOnlyBeAccessedByLayers("Api", "App")
                .whereLayer("Store")
                .mayOnlyBeAccessedByLayers("Dispatch", "Webhooks", "Api", "App")
                .whereLayer("Telephony")
                .mayOnlyBeAccessedByLayers("Dispatch", "App")
                // The WhatsApp webhook endpoint (api) parses Meta's deliveries into the events the provider handles.
                .ignoreDependency(
                        com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage("io.batchcall.api.."),
                        com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage(
                                "io.batchcall.telephony.whatsapp.."))
                .whereLayer("Config")
                .mayOnlyBeAccessedByLayers("Store", "Telephony", "Dispatch", "Webhooks", "Api", "App")
                .whereLayer("Domain")
                .mayOnlyBeAccessedByLayers("Store", "Telephony", "Dispatch", "Webhooks", "Api", "App", "Wire", "Rules")
                // The public API's JSON shapes: responses (api) and event bodies (store) are the same records.
                .whereLayer("Wire")
                .mayOnlyBeAccessedByLayers("Store", "Webhooks", "Api", "App", "Rules")
                .check(CLASSES);
    }

    @Test
    void the_domain_and_config_use_the_jdk_only() {
        noClasses()
                .that()
                .resideInAnyPackage("io.batchcall.domain..", "io.batchcall.config..")
                .should()
                .dependOnClassesThat()
                .resideOutsideOfPackages("io.batchcall.domain..", "io.batchcall.config..", "java..")
                .check(CLASSES);
    }

    @Test
    void nothing_reads_the_wall_clock_outside_app() {
        noClasses()
                .that()
                .resideOutsideOfPackage("io.batchcall")
                .should()
                .callMethod(java.time.Instant.class, "now")
                .orShould()
                .callMethod(java.lang.System.class, "currentTimeMillis")
                .orShould()
                .callMethod(java.time.Clock.class, "systemUTC")
                .check(CLASSES);
    }

    @Test
    void the_server_makes_its_ids_with_its_clock_not_the_clockless_id_source_made_for_tests() {
        noClasses()
                .that()
                .doNotBelongToAnyOf(IdSource.class)
                .should()
                .callConstructor(IdSource.class, RandomGenerator.class)
                .orShould()
                .callMethod(IdSource.class, "secure")
                .check(CLASSES);
    }

    @Test
    void no_class_is_named_manager_helper_util_impl_or_base() {
        noClasses()
                .should()
                .haveSimpleNameEndingWith("Manager")
                .orShould()
                .haveSimpleNameEndingWith("Helper")
                .orShould()
                .haveSimpleNameEndingWith("Util")
                .orShould()
                .haveSimpleNameEndingWith("Utils")
                .orShould()
                .haveSimpleNameEndingWith("Impl")
                .orShould()
                .haveSimpleNameStartingWith("Base")
                .check(CLASSES);
    }

    /**
     * The attempt lifecycle has one owner: only {@code store/InFlight} writes the in-flight counts the limits are
     * enforced against, and only it completes batches. SQL is text, which ArchUnit cannot see, so the sources are
     * read.
     */
    @Test
    void only_the_lifecycle_writer_moves_in_flight_counts_and_completes_batches() throws java.io.IOException {
        var root = java.nio.file.Path.of("src/main/java");
        var writesInFlight = java.util.regex.Pattern.compile("in_flight\\s*=");
        var completes = java.util.regex.Pattern.compile("COMPLETED\\.wireName\\(\\)|'completed'");
        try (var files = java.nio.file.Files.walk(root)) {
            var offenders = files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> !f.endsWith(java.nio.file.Path.of("io/batchcall/store/InFlight.java")))
                    .filter(f -> {
                        try {
                            var text = java.nio.file.Files.readString(f);
                            return writesInFlight.matcher(text).find()
                                    || (f.toString().contains("/store/")
                                            && completes.matcher(text).find()
                                            && text.contains("UPDATE batches"));
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .map(java.nio.file.Path::toString)
                    .toList();
            org.assertj.core.api.Assertions.assertThat(offenders)
                    .as("files that write in_flight or complete batches")
                    .isEmpty();
        }
    }
}
