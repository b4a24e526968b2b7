package dev.parley.chat.simulation;

import java.util.Random;

/**
 * Picks the next step from the seed's generator, looking at the world only to prefer steps that
 * apply (commands from open connections, resumes of paused readers). A recorded list of steps is
 * replayed without it, so a shrunk trace needs no generator.
 */
final class Generator {
    private static final Step.Publish[] KINDS = {
        Step.Publish.TEXT, Step.Publish.TEXT, Step.Publish.TEXT, Step.Publish.TEXT, Step.Publish.TEXT,
        Step.Publish.RETRY, Step.Publish.RETRY, Step.Publish.RETRY, Step.Publish.TEXT_NO_CID, Step.Publish.REPLY,
        Step.Publish.EDIT, Step.Publish.DELETE, Step.Publish.REACT, Step.Publish.REACT, Step.Publish.UNREACT,
    };
    private static final Step.Since[] SINCES = {
        Step.Since.NONE, Step.Since.RESUME, Step.Since.RESUME, Step.Since.RESUME, Step.Since.ZERO,
        Step.Since.NUMBER, Step.Since.ABOVE_HEAD, Step.Since.WRONG_EPOCH,
    };

    private final Random random;
    private final SimulationOptions options;

    Generator(long seed, SimulationOptions options) {
        this.random = new Random(seed * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L);
        this.options = options;
    }

    Step next(World world) {
        int w = random.nextInt(1000);
        int room = random.nextInt(options.rooms());
        if (w < 200) {
            return new Step.Run();
        }
        if (w < 280) {
            int closed = pick(world, false);
            return closed < 0 ? new Step.Run() : new Step.Connect(closed);
        }
        int c = pick(world, true);
        if (c < 0) {
            int closed = pick(world, false);
            return new Step.Connect(closed);
        }
        if (w < 370) {
            return new Step.Join(c, room, SINCES[random.nextInt(SINCES.length)], random.nextInt(1000),
                    random.nextInt(4) == 0 ? 1 + random.nextInt(50) : 0);
        }
        if (w < 400) {
            return new Step.Leave(c, room);
        }
        if (w < 590) {
            int bytes = random.nextInt(4) == 0 ? 200 + random.nextInt(900) : 8 + random.nextInt(60);
            return new Step.Send(c, room, KINDS[random.nextInt(KINDS.length)], bytes, random.nextInt(1000));
        }
        if (w < 620) {
            return new Step.Typing(c, room, random.nextInt(3) != 0);
        }
        if (w < 635) {
            return new Step.Status(c, World.STATUSES[random.nextInt(World.STATUSES.length)]);
        }
        if (w < 655) {
            return new Step.Read(c, room, random.nextInt(5));
        }
        if (w < 680) {
            Step.History[] directions = Step.History.values();
            return new Step.HistoryOf(c, room, directions[random.nextInt(directions.length)], random.nextInt(40),
                    1 + random.nextInt(120));
        }
        if (w < 690) {
            return new Step.Rooms(c);
        }
        if (w < 705) {
            return new Step.Members(c, room);
        }
        if (w < 725) {
            return new Step.Drop(c);
        }
        if (w < 735) {
            return new Step.Close(c);
        }
        if (w < 760) {
            return world.isPaused(c) ? new Step.Resume(c) : new Step.Pause(c);
        }
        if (w < 790) {
            int paused = pickPaused(world);
            return paused < 0 ? new Step.Run() : new Step.Resume(paused);
        }
        if (w < 840) {
            return new Step.Tick(1 + random.nextInt(random.nextBoolean() ? 200 : 3000));
        }
        if (w < 850) {
            return new Step.Jump(4000 + random.nextInt(70_000));
        }
        if (w < 870) {
            return new Step.FailAppend();
        }
        if (w < 890) {
            return new Step.HoldAppend();
        }
        if (w < 915) {
            return new Step.ReleaseAppend(random.nextInt(1000));
        }
        if (w < 930) {
            return new Step.FailReads(1 + random.nextInt(3));
        }
        if (w < 938) {
            return new Step.RestartServer(random.nextBoolean() ? Step.Restart.GRACEFUL : Step.Restart.CRASH);
        }
        if (w < 950) {
            return new Step.Settle();
        }
        return new Step.Run();
    }

    /** A random client that is open (or closed), or -1 if none is. */
    private int pick(World world, boolean open) {
        int start = random.nextInt(options.clients());
        for (int i = 0; i < options.clients(); i++) {
            int c = (start + i) % options.clients();
            if (world.isOpen(c) == open) {
                return c;
            }
        }
        return -1;
    }

    private int pickPaused(World world) {
        int start = random.nextInt(options.clients());
        for (int i = 0; i < options.clients(); i++) {
            int c = (start + i) % options.clients();
            if (world.isOpen(c) && world.isPaused(c)) {
                return c;
            }
        }
        return -1;
    }
}
