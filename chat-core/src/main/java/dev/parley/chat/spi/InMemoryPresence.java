package dev.parley.chat.spi;

import dev.parley.chat.Member;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/** {@link Presence} for one node: a sorted map of members per room. */
final class InMemoryPresence implements Presence {
    private final Map<String, ConcurrentSkipListMap<String, Member>> rooms = new ConcurrentHashMap<>();

    @Override
    public void put(String room, Member member) {
        rooms.computeIfAbsent(room, r -> new ConcurrentSkipListMap<>()).put(member.user(), member);
    }

    @Override
    public void remove(String room, String user) {
        rooms.computeIfPresent(room, (r, members) -> {
            members.remove(user);
            return members.isEmpty() ? null : members;
        });
    }

    @Override
    public List<Member> members(String room) {
        Map<String, Member> members = rooms.get(room);
        return members == null ? List.of() : new ArrayList<>(members.values());
    }

    @Override
    public int count(String room) {
        Map<String, Member> members = rooms.get(room);
        return members == null ? 0 : members.size();
    }
}
