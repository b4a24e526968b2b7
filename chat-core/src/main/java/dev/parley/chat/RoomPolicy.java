package dev.parley.chat;

import dev.parley.chat.spi.Authorizer;
import dev.parley.chat.spi.Identity;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A ready room policy: rules for rooms by name or pattern ({@code team-*}), each saying who may be
 * a member (join and read), who may publish, and who may create the room, by user name or by a
 * claim of the user's credentials (a signed token's {@code rooms} or {@code roles}). The first
 * rule whose pattern matches a room decides; a room no rule matches follows {@link
 * Builder#otherwise} (by default open to everyone). Direct rooms ({@code dm:A:B}) stay private to
 * their two users whatever the rules say.
 *
 * <pre>{@code
 * Authorizer policy = RoomPolicy.builder()
 *         .rooms("announcements", RoomPolicy.Rule.open().publishers(RoomPolicy.Who.users("alice")))
 *         .rooms("team-*", RoomPolicy.Rule.inviteOnly(RoomPolicy.Who.listedInClaim("rooms")))
 *         .otherwise(RoomPolicy.Rule.open().creators(RoomPolicy.Who.withClaim("roles", "admin")))
 *         .build();
 * }</pre>
 *
 * <p>The server asks it on every command, so a rule applies to a resume ({@code join} with
 * {@code since}) as to any join. A read-only room is one whose publishers are fewer than its
 * members; an invite-only room is one whose members are listed. A join may create a room the
 * server does not know yet (the builder's {@code autoCreateRooms}): that needs membership, while
 * {@code create} needs the rule's creators.
 *
 * <p><b>Thread safety.</b> Immutable and thread-safe.
 */
public final class RoomPolicy implements Authorizer {
    private final List<Entry> rules;
    private final Rule otherwise;

    private record Entry(String pattern, Rule rule) {}

    private RoomPolicy(Builder b) {
        this.rules = List.copyOf(b.rules);
        this.otherwise = b.otherwise;
    }

    /** A builder of rules, checked in the order they are added. */
    public static Builder builder() {
        return new Builder();
    }

    /** The rule that decides for {@code room}: the first whose pattern matches, else the default. */
    public Rule ruleFor(String room) {
        for (Entry e : rules) {
            if (globMatches(e.pattern, room)) {
                return e.rule;
            }
        }
        return otherwise;
    }

    @Override
    public boolean mayRead(Identity who, String room) {
        return RoomNames.mayAccessDirectRoom(who.user(), room) && ruleFor(room).members.test(who, room);
    }

    @Override
    public boolean mayJoin(Identity who, String room) {
        return mayRead(who, room);
    }

    @Override
    public boolean mayPublish(Identity who, String room) {
        return mayRead(who, room) && ruleFor(room).publishers.test(who, room);
    }

    @Override
    public boolean mayCreate(Identity who, String room) {
        return RoomNames.mayAccessDirectRoom(who.user(), room) && ruleFor(room).creators.test(who, room);
    }

    /** By user name alone (the {@code rooms} list asks so): as an identity without claims. */
    @Override
    public boolean mayRead(String user, String room) {
        return mayRead(Identity.of(user), room);
    }

    /** By user name alone: as an identity without claims. */
    @Override
    public boolean mayJoin(String user, String room) {
        return mayJoin(Identity.of(user), room);
    }

    /** By user name alone: as an identity without claims. */
    @Override
    public boolean mayPublish(String user, String room) {
        return mayPublish(Identity.of(user), room);
    }

    /** By user name alone: as an identity without claims. */
    @Override
    public boolean mayCreate(String user, String room) {
        return mayCreate(Identity.of(user), room);
    }

    /**
     * Whether {@code room} matches {@code pattern}, where {@code *} stands for any run of
     * characters, the empty one included, and every other character for itself.
     */
    static boolean globMatches(String pattern, String room) {
        int p = 0;
        int r = 0;
        int star = -1;
        int starMatch = 0;
        while (r < room.length()) {
            if (p < pattern.length() && pattern.charAt(p) != '*' && pattern.charAt(p) == room.charAt(r)) {
                p++;
                r++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                starMatch = r;
            } else if (star >= 0) {
                // Let the last star take one more character and try again from there.
                p = star + 1;
                r = ++starMatch;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }

    /** Who a rule lets do something in a room, from the identity that asks. */
    @FunctionalInterface
    public interface Who {

        /** Whether {@code who} is let in {@code room}. Must be quick: it runs on every command. */
        boolean test(Identity who, String room);

        /** Either this or {@code other}. */
        default Who or(Who other) {
            Objects.requireNonNull(other, "other");
            return (who, room) -> test(who, room) || other.test(who, room);
        }

        /** Every user. */
        static Who anyone() {
            return (who, room) -> true;
        }

        /** No user. */
        static Who nobody() {
            return (who, room) -> false;
        }

        /** These users, by name. */
        static Who users(String... users) {
            Set<String> names = Set.of(users);
            return (who, room) -> names.contains(who.user());
        }

        /** Users whose credentials' {@code claim} lists {@code value} ({@code roles} lists {@code admin}, say). */
        static Who withClaim(String claim, String value) {
            Objects.requireNonNull(claim, "claim");
            Objects.requireNonNull(value, "value");
            return (who, room) -> who.claim(claim).contains(value);
        }

        /**
         * Users whose credentials' {@code claim} lists the room, by name or by a pattern with
         * {@code *} ({@code rooms: ["team-a", "project-*"]}).
         */
        static Who listedInClaim(String claim) {
            Objects.requireNonNull(claim, "claim");
            return (who, room) -> {
                for (String listed : who.claim(claim)) {
                    if (globMatches(listed, room)) {
                        return true;
                    }
                }
                return false;
            };
        }
    }

    /**
     * What one rule allows: who are members (join, read history, members and markers), who of
     * them may publish (and type), and who may {@code create} the room. Immutable.
     *
     * @param members who may join and read
     * @param publishers who may publish, among the members
     * @param creators who may create the room with {@code create}
     */
    public record Rule(Who members, Who publishers, Who creators) {

        /** Checks that nothing is null. */
        public Rule {
            Objects.requireNonNull(members, "members");
            Objects.requireNonNull(publishers, "publishers");
            Objects.requireNonNull(creators, "creators");
        }

        /** Everyone may join, read, publish and create. */
        public static Rule open() {
            return new Rule(Who.anyone(), Who.anyone(), Who.anyone());
        }

        /** Only {@code members} may join, read, publish and create. */
        public static Rule inviteOnly(Who members) {
            return new Rule(members, Who.anyone(), members);
        }

        /** The same rule, but only {@code publishers} (among the members) may publish: a read-only room for the others. */
        public Rule publishers(Who publishers) {
            return new Rule(members, publishers, creators);
        }

        /** The same rule, but only {@code creators} may create the room. */
        public Rule creators(Who creators) {
            return new Rule(members, publishers, creators);
        }
    }

    /** Rules in order, and the rule of rooms none matches. */
    public static final class Builder {
        private final List<Entry> rules = new ArrayList<>();
        private Rule otherwise = Rule.open();

        private Builder() {}

        /**
         * Rooms matching {@code pattern} follow {@code rule}, unless an earlier rule matched.
         *
         * @param pattern a room name, or one with {@code *} for any run of characters
         * @throws IllegalArgumentException if the pattern is empty or has a character no room
         *     name has (PROTOCOL §2) other than {@code *}
         */
        public Builder rooms(String pattern, Rule rule) {
            Objects.requireNonNull(pattern, "pattern");
            Objects.requireNonNull(rule, "rule");
            if (pattern.isEmpty() || pattern.length() > 68 || !pattern.chars().allMatch(Builder::patternChar)) {
                throw new IllegalArgumentException("room pattern was \"" + pattern
                        + "\" but must be 1 to 68 characters from A-Z a-z 0-9 _ . : - and *");
            }
            rules.add(new Entry(pattern, rule));
            return this;
        }

        /** The rule of rooms that no pattern matches; {@link Rule#open()} unless set. */
        public Builder otherwise(Rule rule) {
            this.otherwise = Objects.requireNonNull(rule, "rule");
            return this;
        }

        /** The policy. */
        public RoomPolicy build() {
            return new RoomPolicy(this);
        }

        private static boolean patternChar(int c) {
            return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == ':' || c == '-' || c == '*';
        }
    }
}
