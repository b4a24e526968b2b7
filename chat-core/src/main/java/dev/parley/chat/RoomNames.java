package dev.parley.chat;

/** The naming rules of PROTOCOL §2 and §9 "Names". */
public final class RoomNames {
    private static final String DIRECT_PREFIX = "dm:";

    private RoomNames() {}

    /** Whether {@code room} is a valid room name, direct rooms included. */
    public static boolean isValidRoom(String room) {
        if (room.startsWith(DIRECT_PREFIX)) {
            return isValidDirectRoom(room);
        }
        return isName(room, 64, true);
    }

    /** Whether {@code user} is a valid user name. */
    public static boolean isValidUser(String user) {
        return isName(user, 32, false);
    }

    /** Whether a cid is 1 to 64 characters from {@code !} to {@code ~}. */
    public static boolean isValidCid(String cid) {
        if (cid.isEmpty() || cid.length() > 64) {
            return false;
        }
        for (int i = 0; i < cid.length(); i++) {
            char c = cid.charAt(i);
            if (c < '!' || c > '~') {
                return false;
            }
        }
        return true;
    }

    /** Whether the room is a direct room ({@code dm:...}). */
    public static boolean isDirect(String room) {
        return room.startsWith(DIRECT_PREFIX);
    }

    /** The direct room of two distinct users. */
    public static String directRoom(String a, String b) {
        return a.compareTo(b) < 0 ? DIRECT_PREFIX + a + ':' + b : DIRECT_PREFIX + b + ':' + a;
    }

    /** True unless {@code room} is a direct room that {@code user} is not one of. */
    public static boolean mayAccessDirectRoom(String user, String room) {
        if (!isDirect(room)) {
            return true;
        }
        int split = room.indexOf(':', DIRECT_PREFIX.length());
        return split > 0
                && (room.substring(DIRECT_PREFIX.length(), split).equals(user)
                        || room.substring(split + 1).equals(user));
    }

    /** The two users of a direct room ({@code dm:a:b}); call only with a valid direct room. */
    public static java.util.List<String> directRoomUsers(String room) {
        int split = room.indexOf(':', DIRECT_PREFIX.length());
        return java.util.List.of(room.substring(DIRECT_PREFIX.length(), split), room.substring(split + 1));
    }

    private static boolean isValidDirectRoom(String room) {
        String rest = room.substring(DIRECT_PREFIX.length());
        int split = rest.indexOf(':');
        if (split < 0) {
            return false;
        }
        String a = rest.substring(0, split);
        String b = rest.substring(split + 1);
        return isValidUser(a) && isValidUser(b) && a.compareTo(b) < 0;
    }

    private static boolean isName(String name, int maxLength, boolean colonAllowed) {
        if (name.isEmpty() || name.length() > maxLength || name.charAt(0) == '.') {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '_'
                    || c == '.'
                    || c == '-'
                    || (colonAllowed && c == ':');
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
