package dev.parley.chat.spi;

import dev.parley.chat.internal.RoomNames;

/**
 * The room policy: may this user read, join or publish in this room (PROTOCOL §5.8). Checked for
 * every command, not only once per connection.
 *
 * <p><b>Thread safety.</b> Called concurrently from many threads; must be quick.
 *
 * <p><b>Lifecycle.</b> Lives as long as the server built with it.
 */
public interface Authorizer {

    /**
     * The default policy: every user may read, join and publish in every room except direct rooms
     * ({@code dm:A:B}) of other users.
     */
    static Authorizer directRoomsPrivate() {
        return new Authorizer() {
            @Override
            public boolean mayRead(String user, String room) {
                return RoomNames.mayAccessDirectRoom(user, room);
            }
        };
    }

    /** Whether the user may read the room's history, members and marker, and see it in {@code rooms}. */
    boolean mayRead(String user, String room);

    /** Whether the user may join the room (and create it by joining). Defaults to {@link #mayRead}. */
    default boolean mayJoin(String user, String room) {
        return mayRead(user, room);
    }

    /** Whether the user may publish and type in the room. Defaults to {@link #mayJoin}. */
    default boolean mayPublish(String user, String room) {
        return mayJoin(user, room);
    }

    /** Whether the user may create the room with {@code create}. Defaults to {@link #mayJoin}. */
    default boolean mayCreate(String user, String room) {
        return mayJoin(user, room);
    }
}
