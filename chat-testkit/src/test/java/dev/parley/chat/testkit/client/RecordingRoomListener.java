package dev.parley.chat.testkit.client;

import dev.parley.chat.ChatException;
import dev.parley.chat.Member;
import dev.parley.chat.Message;
import dev.parley.chat.client.JoinedRoom;
import dev.parley.chat.client.PresenceEvent;
import dev.parley.chat.client.RoomListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** Records every listener call, in order, for assertions with Awaitility. */
final class RecordingRoomListener implements RoomListener {
    final List<Message> messages = new CopyOnWriteArrayList<>();
    final List<JoinedRoom> joined = new CopyOnWriteArrayList<>();
    final List<JoinedRoom> resumed = new CopyOnWriteArrayList<>();
    final List<JoinedRoom> resets = new CopyOnWriteArrayList<>();
    final List<PresenceEvent> presence = new CopyOnWriteArrayList<>();
    final List<String> typing = new CopyOnWriteArrayList<>();
    final List<String> receipts = new CopyOnWriteArrayList<>();
    final List<List<Member>> memberLists = new CopyOnWriteArrayList<>();
    final List<ChatException> failures = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();
    /** Every call as one line, to check the order of different kinds of events. */
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public void onJoined(JoinedRoom j) {
        joined.add(j);
        record("joined " + j.seq() + " recovered=" + j.recovered());
    }

    @Override
    public void onResumed(JoinedRoom j) {
        resumed.add(j);
        record("resumed " + j.seq());
    }

    @Override
    public void onReset(JoinedRoom j) {
        resets.add(j);
        record("reset " + j.seq());
    }

    @Override
    public void onMessage(Message m) {
        messages.add(m);
        record("message " + m.seq());
    }

    @Override
    public void onPresence(PresenceEvent event) {
        presence.add(event);
        record("presence " + event.user() + " " + event.kind() + " " + event.status());
    }

    @Override
    public void onTyping(String room, String user, boolean isTyping) {
        typing.add(user + ":" + isTyping);
        record("typing " + user + " " + isTyping);
    }

    @Override
    public void onReceipt(String room, String user, long seq) {
        receipts.add(user + ":" + seq);
        record("receipt " + user + " " + seq);
    }

    @Override
    public void onMembers(String room, List<Member> members) {
        memberLists.add(members);
        record("members");
    }

    @Override
    public void onFailed(String room, ChatException cause) {
        failures.add(cause);
        record("failed " + cause.code());
    }

    List<Long> seqs() {
        return messages.stream().map(Message::seq).collect(Collectors.toList());
    }

    List<String> bodies() {
        return messages.stream().map(Message::body).collect(Collectors.toList());
    }

    private void record(String call) {
        threads.add(Thread.currentThread().getName());
        calls.add(call);
    }
}
