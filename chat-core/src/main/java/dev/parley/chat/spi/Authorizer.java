package dev.parley.chat.spi;

import dev.parley.chat.RoomNames;

/**
 * The room policy: may this user read, join or publish in this room (PROTOCOL §5.8). Checked for
 * every command, not only once per connection.
 *
 * <p>The server asks the {@link Identity} forms. Each defaults to its form by user name, so a
 * policy by name alone keeps working; a policy that uses the claims of the credentials (a signed
 * token's {@code rooms}, say) overrides each {@code Identity} form it decides. The {@code rooms}
 * list is filtered by {@link #mayRead(String, String)}, by user name alone.
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

    /** Whether this identity may read the room; defaults to {@link #mayRead(String, String)}. */
    default boolean mayRead(Identity who, String room) {
        return mayRead(who.user(), room);
    }

    /** Whether this identity may join the room; defaults to {@link #mayJoin(String, String)}. */
    default boolean mayJoin(Identity who, String room) {
        return mayJoin(who.user(), room);
    }

    /** Whether this identity may publish and type in the room; defaults to {@link #mayPublish(String, String)}. */
    default boolean mayPublish(Identity who, String room) {
        return mayPublish(who.user(), room);
    }

    /** Whether this identity may create the room; defaults to {@link #mayCreate(String, String)}. */
    default boolean mayCreate(Identity who, String room) {
        return mayCreate(who.user(), room);
    }
}
