package dev.parley.chat.examples;

import dev.parley.chat.ChatException;
import dev.parley.chat.ChatListener;
import dev.parley.chat.ChatServer;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.Message;
import dev.parley.chat.Subscription;
import java.util.List;

/**
 * The README's hooks example, compiled: a moderation listener that refuses and rewrites, push
 * notifications for offline members, and a pattern subscription of a bot.
 */
public final class HooksExample {
    private HooksExample() {}

    /** Refuses links to one site with a reason the author sees, tidies a word, notifies the offline. */
    static final class Moderation implements ChatListener {
        @Override
        public Message onPublish(Message draft) {
            if (draft.body().contains("spam.example")) {
                throw new ChatException(ErrorCode.FORBIDDEN, "links to spam.example are not allowed here");
            }
            return new Message(draft.room(), 0, draft.id(), draft.user(), draft.body().replace("darn", "d**n"),
                    draft.ts(), draft.kind(), draft.cid(), draft.target(), draft.replyTo(), draft.meta());
        }

        @Override
        public void onMessage(Message message, List<String> offlineMembers) {
            for (String user : offlineMembers) {
                System.out.println("push to " + user + ": " + message.user() + " wrote in " + message.room());
            }
        }
    }

    /** A bot that sees every message starting with "!" in the team rooms. */
    static Subscription bot(ChatServer server) {
        return server.subscribe("team-*", m -> m.body().startsWith("!"),
                m -> System.out.println(m.room() + " #" + m.seq() + " command " + m.body()));
    }

    /** Builds a server with the hooks, and closes it. */
    public static void main(String[] args) {
        try (ChatServer server = ChatServer.builder().listener(new Moderation()).build()) {
            bot(server).close();
        }
    }
}
