package dev.parley.chat;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RoomNamesTest {
    @ParameterizedTest
    @ValueSource(strings = {"general", "a", "A.b_c-d:e", "dm:alice:bob", "x123456789012345678901234567890123456789012345678901234567890123"})
    void validRooms(String room) {
        assertThat(RoomNames.isValidRoom(room)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".hidden", "a/b", "../x", "with space", "é", "dm:bob:alice", "dm:alice:alice", "dm:alice",
        "dm:alice:bob:carol", "x1234567890123456789012345678901234567890123456789012345678901234"})
    void invalidRooms(String room) {
        assertThat(RoomNames.isValidRoom(room)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".x", "a:b", "a b", "x12345678901234567890123456789012"})
    void invalidUsers(String user) {
        assertThat(RoomNames.isValidUser(user)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice", "Bob_1.x-y", "x1234567890123456789012345678901"})
    void validUsers(String user) {
        assertThat(RoomNames.isValidUser(user)).isTrue();
    }

    @org.junit.jupiter.api.Test
    void directRoomsAreOnlyForTheirTwoUsers() {
        assertThat(RoomNames.mayAccessDirectRoom("alice", "dm:alice:bob")).isTrue();
        assertThat(RoomNames.mayAccessDirectRoom("bob", "dm:alice:bob")).isTrue();
        assertThat(RoomNames.mayAccessDirectRoom("carol", "dm:alice:bob")).isFalse();
        assertThat(RoomNames.mayAccessDirectRoom("carol", "general")).isTrue();
        assertThat(RoomNames.directRoom("bob", "alice")).isEqualTo("dm:alice:bob");
    }
}
