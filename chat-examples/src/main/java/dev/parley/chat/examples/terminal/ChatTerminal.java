package dev.parley.chat.examples.terminal;

import dev.parley.chat.ChatException;
import dev.parley.chat.Message;
import dev.parley.chat.PresenceStatus;
import dev.parley.chat.client.ClientListener;
import dev.parley.chat.client.HistoryQuery;
import dev.parley.chat.client.JoinedRoom;
import dev.parley.chat.client.MessageDraft;
import dev.parley.chat.client.ParleyClient;
import dev.parley.chat.client.PresenceEvent;
import dev.parley.chat.client.RoomListener;
import dev.parley.chat.client.RoomSubscription;
import dev.parley.chat.client.Welcome;
import dev.parley.chat.transport.websocket.WebSocketClientConnector;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jspecify.annotations.Nullable;

/**
 * The terminal chat client: reads commands and text with JLine, runs them on a {@link
 * ParleyClient}, and prints what arrives above the prompt ({@link LineReader#printAbove}), so a
 * message that comes in while the user types never garbles the line being typed.
 *
 * <p>It shows a lost connection only once it is back, in one line ({@code -- reconnected after
 * ...; resuming #general}); the client resumes every room with {@code since}, so the messages
 * missed meanwhile follow in order, and publishes typed meanwhile go out once it is connected.
 *
 * <p><b>Thread safety.</b> {@link #run} runs on the caller's thread and reads the terminal; the
 * client's callbacks print from its callback thread. What both touch (the joined rooms, the
 * current room) is guarded by {@code this}.
 *
 * <p><b>Lifecycle.</b> {@link #run} connects, reads until {@code /quit} or the end of input,
 * then closes the client and returns the exit code. The terminal belongs to the caller.
 */
public final class ChatTerminal {
    private static final long CONNECT_TIMEOUT_SECONDS = 30;

    private final Terminal terminal;
    private final LineReader reader;
    private final ParleyClient client;
    private final TerminalCommandParser parser = new TerminalCommandParser();
    private final Map<String, RoomSubscription> joined = new LinkedHashMap<>(); // guarded by this
    private @Nullable String current; // guarded by this
    private volatile String me;
    private volatile boolean disconnected;
    private volatile boolean quitting; // the client's farewells to the rooms are not news then
    private volatile String lostBecause = "";

    /**
     * A client of the server at {@code url} (a {@code ws://} or {@code wss://} URL) that talks
     * through {@code terminal}.
     *
     * @param user the user name for {@code hello}, or null when the token names the user
     * @param token the token for {@code hello}, or null
     * @throws IllegalArgumentException if neither is given, or the user name or URL is invalid
     */
    public ChatTerminal(Terminal terminal, URI url, @Nullable String user, @Nullable String token) {
        if (user == null && token == null) {
            throw new IllegalArgumentException("give a user name (--user) or a token (--token)");
        }
        this.terminal = terminal;
        this.reader = LineReaderBuilder.builder().terminal(terminal).appName("parley-chat").build();
        this.me = user == null ? "" : user;
        ParleyClient.Builder builder = ParleyClient.builder(WebSocketClientConnector.to(url))
                .clientName("parley-terminal")
                .listener(new ConnectionEvents());
        if (user != null) {
            builder.user(user);
        }
        if (token != null) {
            builder.token(token);
        }
        this.client = builder.build();
    }

    /** Connects, runs commands until {@code /quit} or the end of input; returns the exit code. */
    public int run() {
        try {
            Welcome welcome = client.connect().get(CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            me = welcome.user();
            say("-- connected as " + me + "; /help lists the commands");
        } catch (ExecutionException | TimeoutException e) {
            say("! cannot connect: " + problem(e));
            client.close();
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            client.close();
            return 1;
        }
        try {
            while (true) {
                String line;
                try {
                    line = reader.readLine(prompt());
                } catch (UserInterruptException e) {
                    break; // Ctrl-C
                } catch (EndOfFileException e) {
                    break; // Ctrl-D, or the end of piped input
                }
                TerminalCommand command = parser.parse(line);
                if (command instanceof TerminalCommand.Quit) {
                    break;
                }
                execute(command);
            }
        } finally {
            quitting = true;
            client.close();
            terminal.writer().println("-- bye");
            terminal.flush();
        }
        return 0;
    }

    private synchronized String prompt() {
        return (current == null ? "" : "[" + current + "] ") + me + "> ";
    }

    /** Runs one command; replies arrive later and are printed above the prompt. */
    private void execute(TerminalCommand command) {
        if (command instanceof TerminalCommand.Nothing) {
            return;
        } else if (command instanceof TerminalCommand.Invalid invalid) {
            say("! " + invalid.problem());
        } else if (command instanceof TerminalCommand.Help) {
            TerminalCommandParser.HELP.forEach(this::say);
        } else if (command instanceof TerminalCommand.Rooms) {
            report(client.rooms(), rooms -> {
                say("-- " + rooms.size() + (rooms.size() == 1 ? " room" : " rooms"));
                rooms.forEach(r -> say(TerminalLines.room(r)));
            });
        } else if (command instanceof TerminalCommand.Create c) {
            report(client.create(c.room(), c.topic()), room -> say("-- created #" + room + " (/join " + room + ")"));
        } else if (command instanceof TerminalCommand.Join j) {
            join(j.room());
        } else if (command instanceof TerminalCommand.DirectMessage dm) {
            join(directRoom(me, dm.user()));
        } else if (command instanceof TerminalCommand.Switch s) {
            switchTo(s.room());
        } else if (command instanceof TerminalCommand.Leave) {
            leave();
        } else if (command instanceof TerminalCommand.Status s) {
            report(client.status(PresenceStatus.chosen(s.status())), st -> say("-- you are " + st.wireName()));
        } else {
            String room = currentRoom();
            if (room == null) {
                say("! join a room first: /join <room>");
            } else {
                inRoom(room, command);
            }
        }
    }

    /** The commands that act on the current room. */
    private void inRoom(String room, TerminalCommand command) {
        if (command instanceof TerminalCommand.Users) {
            report(client.members(room), members -> say("-- #" + room + ": " + TerminalLines.members(members)));
        } else if (command instanceof TerminalCommand.History h) {
            report(client.history(room, HistoryQuery.latest(h.limit())), page -> {
                say("-- the latest " + page.messages().size() + " of #" + room + (page.hasMore() ? " (more before)" : ""));
                page.messages().forEach(m -> say(TerminalLines.message(m)));
            });
        } else if (command instanceof TerminalCommand.Send s) {
            publish(room, MessageDraft.text(s.text()));
        } else if (command instanceof TerminalCommand.Edit e) {
            publish(room, MessageDraft.edit(e.seq(), e.text()));
        } else if (command instanceof TerminalCommand.Delete d) {
            publish(room, MessageDraft.delete(d.seq()));
        } else if (command instanceof TerminalCommand.React r) {
            publish(room, MessageDraft.react(r.seq(), r.emoji()));
        } else if (command instanceof TerminalCommand.Reply r) {
            publish(room, MessageDraft.reply(r.seq(), r.text()));
        }
    }

    /** The message shows when the server pushes it back; only a refusal is printed here. */
    private void publish(String room, MessageDraft draft) {
        client.publish(room, draft).whenComplete((ack, e) -> {
            if (e != null) {
                say("! not sent to #" + room + ": " + problem(e));
            }
        });
    }

    private void join(String room) {
        synchronized (this) {
            if (joined.containsKey(room)) {
                current = room;
                say("-- now in #" + room);
                return;
            }
            try {
                joined.put(room, client.join(room, new RoomEvents(room)));
            } catch (IllegalArgumentException e) {
                say("! " + e.getMessage());
                return;
            }
            current = room;
        }
    }

    private synchronized void switchTo(String room) {
        if (!joined.containsKey(room)) {
            say("! not in #" + room + ": /join " + room);
            return;
        }
        current = room;
        say("-- now in #" + room);
    }

    private synchronized void leave() {
        if (current == null) {
            say("! not in a room");
            return;
        }
        String room = current;
        RoomSubscription subscription = joined.remove(room);
        current = joined.isEmpty() ? null : new ArrayList<>(joined.keySet()).get(joined.size() - 1);
        report(subscription.leave(), v -> say("-- left #" + room));
    }

    private synchronized @Nullable String currentRoom() {
        return current;
    }

    /** The direct room of two users (PROTOCOL §2): {@code dm:} and both names in byte order. */
    static String directRoom(String a, String b) {
        return a.compareTo(b) < 0 ? "dm:" + a + ":" + b : "dm:" + b + ":" + a;
    }

    private <T> void report(CompletableFuture<T> future, java.util.function.Consumer<T> onSuccess) {
        future.whenComplete((value, e) -> {
            if (e != null) {
                say("! " + problem(e));
            } else {
                onSuccess.accept(value);
            }
        });
    }

    private static String problem(Throwable e) {
        Throwable cause = e;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof ChatException chat) {
            return chat.code() + ": " + chat.getMessage();
        }
        return String.valueOf(cause.getMessage() != null ? cause.getMessage() : cause);
    }

    /** Prints one line above the prompt, leaving what the user is typing as it was. */
    private void say(String line) {
        synchronized (reader) {
            reader.printAbove(line);
        }
    }

    /** The connection's story, in as few lines as a user needs. */
    private final class ConnectionEvents implements ClientListener {
        @Override
        public void onConnected(Welcome welcome) {
            if (disconnected) {
                disconnected = false;
                List<String> rooms;
                synchronized (ChatTerminal.this) {
                    rooms = new ArrayList<>(joined.keySet());
                }
                say("-- reconnected after " + lostBecause + (rooms.isEmpty() ? "" : "; resuming #" + String.join(", #", rooms)));
            }
        }

        @Override
        public void onDisconnected(int code, String reason) {
            disconnected = true;
            lostBecause = "the connection was lost (" + code + (reason.isEmpty() ? "" : " " + reason) + ")";
        }

        @Override
        public void onGaveUp(ChatException cause) {
            if (quitting) {
                return;
            }
            say("! gave up: " + cause.code() + ": " + cause.getMessage() + " (/quit)");
        }
    }

    /** One joined room's events. */
    private final class RoomEvents implements RoomListener {
        private final String room;

        RoomEvents(String room) {
            this.room = room;
        }

        @Override
        public void onJoined(JoinedRoom j) {
            say("-- joined #" + room + ": " + TerminalLines.members(j.members()));
            j.messages().forEach(m -> say(TerminalLines.message(m)));
        }

        @Override
        public void onReset(JoinedRoom j) {
            say("-- #" + room + " could not be resumed where it was left; the latest messages:");
            j.messages().forEach(m -> say(TerminalLines.message(m)));
        }

        @Override
        public void onMessage(Message message) {
            say(TerminalLines.message(message));
        }

        @Override
        public void onPresence(PresenceEvent event) {
            say(TerminalLines.presence(event));
        }

        @Override
        public void onFailed(String failedRoom, ChatException cause) {
            if (quitting) {
                return;
            }
            synchronized (ChatTerminal.this) {
                joined.remove(room);
                if (room.equals(current)) {
                    current = null;
                }
            }
            say("! #" + room + ": " + cause.code() + ": " + cause.getMessage());
        }
    }
}
