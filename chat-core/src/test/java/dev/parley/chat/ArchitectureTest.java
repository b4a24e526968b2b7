package dev.parley.chat;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The API and the engine stay apart: what adapters and clients see ({@code spi}, {@code
 * protocol}) never reaches into {@code internal} (chat-client checks its own), and chat-core's
 * sub-packages form no cycle. (The root package is both the model and the {@code ChatServer} facade over the
 * engine, so it is left out of the cycle rule until the model has a package of its own.)
 */
class ArchitectureTest {
    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.parley.chat");

    @Test
    void spiAndProtocol_neverImportTheEngine() {
        noClasses().that().resideInAnyPackage("dev.parley.chat.spi..", "dev.parley.chat.protocol..")
                .should().dependOnClassesThat().resideInAPackage("dev.parley.chat.internal..")
                .check(CORE);
    }

    @Test
    void subPackages_formNoCycle() {
        slices().matching("dev.parley.chat.(*)..").should().beFreeOfCycles().check(CORE);
    }
}
