package dev.parley.chat.simulation;

/**
 * One thing that happens in a world: a client sends a command, a connection breaks, a reader
 * pauses, the store fails, time passes, the server restarts. Steps are plain values chosen by the
 * seed, so a trace can be replayed without some of them (shrinking); a step that no longer applies
 * (its client is not connected) does nothing.
 */
sealed interface Step {
    /** The step as one trace line. */
    String describe();

    /** A join's {@code since}: none, where the client left off, 0, a number, above the head, or a wrong epoch. */
    enum Since { NONE, RESUME, ZERO, NUMBER, ABOVE_HEAD, WRONG_EPOCH }

    /** A publish's kind and cid. */
    enum Publish { TEXT, TEXT_NO_CID, RETRY, REPLY, EDIT, DELETE, REACT, UNREACT }

    /** A history's direction. */
    enum History { LATEST, BEFORE, AFTER }

    /** A restart: graceful (close, then a new server) or a crash (the old server vanishes). */
    enum Restart { GRACEFUL, CRASH }

    record Connect(int client) implements Step {
        public String describe() { return "c" + client + " connect+hello"; }
    }

    record Join(int client, int room, Since since, int number, int recent) implements Step {
        public String describe() {
            return "c" + client + " join r" + room + " since=" + since + (since == Since.NUMBER ? "(" + number + ")" : "")
                    + (recent > 0 ? " recent=" + recent : "");
        }
    }

    record Leave(int client, int room) implements Step {
        public String describe() { return "c" + client + " leave r" + room; }
    }

    record Send(int client, int room, Publish kind, int bodyBytes, int pick) implements Step {
        public String describe() { return "c" + client + " publish r" + room + " " + kind + " body=" + bodyBytes + "B pick=" + pick; }
    }

    record Typing(int client, int room, boolean typing) implements Step {
        public String describe() { return "c" + client + " typing r" + room + " " + typing; }
    }

    record Status(int client, String status) implements Step {
        public String describe() { return "c" + client + " status " + status; }
    }

    record Read(int client, int room, int back) implements Step {
        public String describe() { return "c" + client + " read r" + room + " head-" + back; }
    }

    record HistoryOf(int client, int room, History direction, int offset, int limit) implements Step {
        public String describe() { return "c" + client + " history r" + room + " " + direction + " offset=" + offset + " limit=" + limit; }
    }

    record Rooms(int client) implements Step {
        public String describe() { return "c" + client + " rooms"; }
    }

    record Members(int client, int room) implements Step {
        public String describe() { return "c" + client + " members r" + room; }
    }

    record Drop(int client) implements Step {
        public String describe() { return "c" + client + " drop (no close)"; }
    }

    record Close(int client) implements Step {
        public String describe() { return "c" + client + " close 1000"; }
    }

    record Pause(int client) implements Step {
        public String describe() { return "c" + client + " pause reading"; }
    }

    record Resume(int client) implements Step {
        public String describe() { return "c" + client + " resume reading"; }
    }

    record Run() implements Step {
        public String describe() { return "run until idle"; }
    }

    record Tick(int millis) implements Step {
        public String describe() { return "clock +" + millis + "ms"; }
    }

    record Jump(int millis) implements Step {
        public String describe() { return "clock jumps +" + millis + "ms"; }
    }

    record FailAppend() implements Step {
        public String describe() { return "store: next append fails"; }
    }

    record HoldAppend() implements Step {
        public String describe() { return "store: next append completes late"; }
    }

    record ReleaseAppend(int pick) implements Step {
        public String describe() { return "store: release a late append pick=" + pick; }
    }

    record FailReads(int count) implements Step {
        public String describe() { return "store: next " + count + " reads fail"; }
    }

    record RestartServer(Restart how) implements Step {
        public String describe() { return "server restart " + how; }
    }

    record Settle() implements Step {
        public String describe() { return "settle (readers resume, store heals, grace passes)"; }
    }
}
