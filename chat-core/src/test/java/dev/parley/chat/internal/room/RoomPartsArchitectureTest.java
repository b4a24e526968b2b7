package dev.parley.chat.internal.room;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * A room is made of parts that reach the server only through {@link RoomContext} and {@link
 * MemberConnection}: nothing in {@code internal.room} calls back into the engine or a session, so
 * a part can be driven (and tested, or simulated) without either.
 */
class RoomPartsArchitectureTest {
    private static final JavaClasses ENGINE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.parley.chat.internal");

    private static ArchRule neverDependOnEngineOrSession(String packageIdentifier) {
        return noClasses().that().resideInAPackage(packageIdentifier)
                .should().dependOnClassesThat()
                .haveNameMatching("dev\\.parley\\.chat\\.internal\\.(Engine|Session)(\\$.*)?")
                .because("room parts talk to RoomContext and MemberConnection, never to Engine or Session");
    }

    @Test
    void roomParts_neverDependOnEngineOrSession() {
        neverDependOnEngineOrSession("dev.parley.chat.internal.room..").check(ENGINE);
    }

    @Test
    void theRule_findsADependencyWhereOneExists() {
        // Session calls Engine: the same rule over the engine's own package must report it, so the
        // rule above is not passing for want of anything to match.
        var result = neverDependOnEngineOrSession("dev.parley.chat.internal").evaluate(ENGINE);
        assertThat(result.hasViolation()).isTrue();
        assertThat(result.getFailureReport().toString()).contains("dev.parley.chat.internal.Session");
    }
}
