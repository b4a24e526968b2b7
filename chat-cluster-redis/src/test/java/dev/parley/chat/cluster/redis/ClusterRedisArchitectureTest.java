package dev.parley.chat.cluster.redis;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The adapter is built on the SPI alone: it never reaches into the engine's {@code internal}. */
class ClusterRedisArchitectureTest {
    private static final JavaClasses ADAPTER = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.parley.chat.cluster.redis");

    @Test
    void neverImportsTheEngine() {
        noClasses().that().resideInAPackage("dev.parley.chat.cluster.redis..")
                .should().dependOnClassesThat().resideInAPackage("dev.parley.chat.internal..")
                .check(ADAPTER);
    }
}
