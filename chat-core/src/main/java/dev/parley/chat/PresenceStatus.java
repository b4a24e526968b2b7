package dev.parley.chat;

import java.util.Locale;

/** A member's status as the protocol names it; {@link #OFFLINE} only appears on a leave. */
public enum PresenceStatus {
    /** Connected and available; a user's status when it (re)connects. */
    ONLINE,
    /** Connected, away from the keyboard. */
    AWAY,
    /** Connected, do not disturb. */
    DND,
    /** Gone: carried by a presence {@code leave}. */
    OFFLINE;

    /** The name of this status on the wire, such as {@code "online"}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The status a client may choose with the {@code status} command.
     *
     * @throws IllegalArgumentException for anything but {@code online}, {@code away}, {@code dnd}
     */
    public static PresenceStatus chosen(String wireName) {
        switch (wireName) {
            case "online":
                return ONLINE;
            case "away":
                return AWAY;
            case "dnd":
                return DND;
            default:
                throw new IllegalArgumentException("status must be online, away or dnd: " + wireName);
        }
    }
}
