package dev.parley.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MessageFoldTest {
    private long seq;

    private Message msg(MessageKind kind, String user, String body, long target, long replyTo) {
        seq++;
        return new Message("r", seq, "id" + seq, user, body, 1000 + seq, kind, null, target, replyTo, null);
    }

    @Test
    void editsDeletesReactionsAndReplies_foldIntoTheirTargets() {
        MessageFold fold = new MessageFold();
        fold.add(msg(MessageKind.TEXT, "alice", "hello", 0, 0)); // 1
        fold.add(msg(MessageKind.TEXT, "bob", "hi", 0, 1)); // 2, reply to 1
        fold.add(msg(MessageKind.EDIT, "alice", "hello there", 1, 0)); // 3
        fold.add(msg(MessageKind.EDIT, "alice", "hello again", 1, 0)); // 4
        fold.add(msg(MessageKind.REACT, "bob", "👍", 1, 0)); // 5
        fold.add(msg(MessageKind.REACT, "carol", "👍", 1, 0)); // 6
        fold.add(msg(MessageKind.REACT, "carol", "🎉", 1, 0)); // 7
        fold.add(msg(MessageKind.UNREACT, "carol", "🎉", 1, 0)); // 8
        fold.add(msg(MessageKind.REACT, "bob", "👍", 1, 0)); // 9: a second react of one user counts once
        fold.add(msg(MessageKind.TEXT, "carol", "me too", 0, 1)); // 10, reply to 1
        fold.add(msg(MessageKind.DELETE, "carol", "", 10, 0)); // 11: a deleted reply is not counted
        fold.add(msg(MessageKind.REACT, "x", "👍", 99, 0)); // 12: unknown target, dropped

        List<FoldedMessage> view = fold.messages();
        assertThat(view).extracting(FoldedMessage::seq).containsExactly(1L, 2L, 10L);
        FoldedMessage first = view.get(0);
        assertThat(first.body()).isEqualTo("hello again");
        assertThat(first.edited()).isTrue();
        assertThat(first.deleted()).isFalse();
        assertThat(first.reactions()).containsExactly(new Reaction("👍", List.of("bob", "carol")));
        assertThat(first.replies()).isEqualTo(1);
        assertThat(view.get(2).deleted()).isTrue();
        assertThat(view.get(2).body()).isEmpty();
        assertThat(view.get(1).edited()).isFalse();
        assertThat(view.get(1).body()).isEqualTo("hi");
    }

    @Test
    void aMessageAtOrBelowTheLastSeq_isIgnored() {
        MessageFold fold = new MessageFold();
        Message text = msg(MessageKind.TEXT, "alice", "hello", 0, 0);
        Message react = msg(MessageKind.REACT, "bob", "👍", 1, 0);
        assertThat(fold.add(text)).isTrue();
        assertThat(fold.add(react)).isTrue();
        assertThat(fold.add(react)).isFalse();
        assertThat(fold.add(text)).isFalse();
        assertThat(fold.get(1).reactions()).containsExactly(new Reaction("👍", List.of("bob")));
    }

    @Test
    void anEditAfterADelete_doesNotBringTheMessageBack() {
        MessageFold fold = new MessageFold();
        fold.add(msg(MessageKind.TEXT, "alice", "hello", 0, 0));
        fold.add(msg(MessageKind.DELETE, "alice", "", 1, 0));
        fold.add(msg(MessageKind.EDIT, "alice", "back", 1, 0));
        assertThat(fold.get(1).deleted()).isTrue();
        assertThat(fold.get(1).body()).isEmpty();
    }
}
