package dev.parley.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.chat.RoomPolicy.Rule;
import dev.parley.chat.RoomPolicy.Who;
import dev.parley.chat.spi.Identity;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RoomPolicyTest {
    private static Identity user(String name, String claim, String... values) {
        return new Identity(name, null, Map.of(claim, List.of(values)));
    }

    @ParameterizedTest
    @CsvSource({
        "team-*, team-a, true",
        "team-*, team-, true",
        "team-*, teams, false",
        "*, anything, true",
        "a*b*c, aXXbYYc, true",
        "a*b*c, aXXbYY, false",
        "*-ops, sre-ops, true",
        "*-ops, sre-ops-2, false",
        "exact, exact, true",
        "exact, exactly, false",
        "**, x, true",
    })
    void globMatches_starIsAnyRun(String pattern, String room, boolean matches) {
        assertThat(RoomPolicy.globMatches(pattern, room)).isEqualTo(matches);
    }

    @Test
    void firstMatchingRuleDecides_andUnmatchedRoomsFollowOtherwise() {
        RoomPolicy policy = RoomPolicy.builder()
                .rooms("team-core", Rule.open())
                .rooms("team-*", Rule.inviteOnly(Who.listedInClaim("rooms")))
                .otherwise(Rule.inviteOnly(Who.nobody()))
                .build();
        Identity outsider = Identity.of("eve");
        assertThat(policy.mayJoin(outsider, "team-core")).isTrue();
        assertThat(policy.mayJoin(outsider, "team-a")).isFalse();
        assertThat(policy.mayJoin(user("ann", "rooms", "team-a"), "team-a")).isTrue();
        assertThat(policy.mayJoin(user("ann", "rooms", "team-*"), "team-b")).isTrue();
        assertThat(policy.mayJoin(user("ann", "rooms", "team-a"), "lobby")).isFalse();
    }

    @Test
    void readOnlyRoom_letsMembersRead_andOnlyPublishersPublish() {
        RoomPolicy policy = RoomPolicy.builder()
                .rooms("announcements", Rule.open().publishers(Who.users("alice").or(Who.withClaim("roles", "editor"))))
                .build();
        assertThat(policy.mayRead(Identity.of("bob"), "announcements")).isTrue();
        assertThat(policy.mayPublish(Identity.of("bob"), "announcements")).isFalse();
        assertThat(policy.mayPublish(Identity.of("alice"), "announcements")).isTrue();
        assertThat(policy.mayPublish(user("carol", "roles", "editor"), "announcements")).isTrue();
        assertThat(policy.mayPublish("bob", "elsewhere")).isTrue();
    }

    @Test
    void creators_decideCreate_andPublishersMustBeMembers() {
        RoomPolicy policy = RoomPolicy.builder()
                .rooms("vip-*", Rule.inviteOnly(Who.users("alice")).publishers(Who.anyone()))
                .otherwise(Rule.open().creators(Who.withClaim("roles", "admin")))
                .build();
        assertThat(policy.mayCreate(Identity.of("bob"), "lobby")).isFalse();
        assertThat(policy.mayCreate(user("root", "roles", "admin"), "lobby")).isTrue();
        assertThat(policy.mayCreate(Identity.of("alice"), "vip-1")).isTrue();
        assertThat(policy.mayPublish(Identity.of("bob"), "vip-1")).isFalse();
    }

    @Test
    void directRooms_stayPrivate_whateverTheRules() {
        RoomPolicy policy = RoomPolicy.builder().rooms("*", Rule.open()).build();
        assertThat(policy.mayJoin(Identity.of("alice"), "dm:alice:bob")).isTrue();
        assertThat(policy.mayJoin(Identity.of("eve"), "dm:alice:bob")).isFalse();
        assertThat(policy.mayCreate(Identity.of("eve"), "dm:alice:bob")).isFalse();
        assertThat(policy.mayRead("eve", "dm:alice:bob")).isFalse();
    }

    @Test
    void byNameForms_seeNoClaims() {
        RoomPolicy policy = RoomPolicy.builder().rooms("team-*", Rule.inviteOnly(Who.listedInClaim("rooms"))).build();
        assertThat(policy.mayRead("ann", "team-a")).isFalse();
        assertThat(policy.mayRead(user("ann", "rooms", "team-a"), "team-a")).isTrue();
    }

    @Test
    void badPattern_isRefused_withTheValue() {
        assertThatThrownBy(() -> RoomPolicy.builder().rooms("", Rule.open())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RoomPolicy.builder().rooms("team/*", Rule.open()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("team/*");
    }
}
