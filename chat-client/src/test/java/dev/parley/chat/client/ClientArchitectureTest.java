package dev.parley.chat.client;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The client is built on chat-core's model and protocol alone: it never reaches into the engine's
 * {@code internal} (nor the SPI of servers' adapters), so the engine could leave its classpath.
 */
class ClientArchitectureTest {
    private static final JavaClasses CLIENT = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.parley.chat.client");

    @Test
    void neverImportsTheEngine() {
        noClasses().that().resideInAPackage("dev.parley.chat.client..")
                .should().dependOnClassesThat().resideInAPackage("dev.parley.chat.internal..")
                .check(CLIENT);
    }

    @Test
    void usesOnlyTheModelAndTheProtocolOfChatCore() {
        classes().that().resideInAPackage("dev.parley.chat.client..")
                .should().onlyDependOnClassesThat().resideInAnyPackage(
                        "dev.parley.chat.client..", "dev.parley.chat", "dev.parley.chat.protocol..",
                        "java..", "com.fasterxml.jackson..", "org.slf4j..", "org.jspecify..")
                .check(CLIENT);
    }
}
