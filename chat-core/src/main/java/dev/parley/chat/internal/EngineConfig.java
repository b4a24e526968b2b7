package dev.parley.chat.internal;

import dev.parley.chat.ChatListener;
import dev.parley.chat.Scheduler;
import dev.parley.chat.spi.Authenticator;
import dev.parley.chat.spi.Authorizer;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.spi.Presence;
import dev.parley.chat.spi.Sequencer;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executor;

/** Everything the engine is built with: collaborators and limits, already validated. */
public record EngineConfig(
        MessageStore store,
        Sequencer sequencer,
        Presence presence,
        Authenticator authenticator,
        Authorizer authorizer,
        List<ChatListener> listeners,
        Clock clock,
        Executor executor,
        boolean ownsExecutor,
        Scheduler scheduler,
        boolean ownsScheduler,
        int publishPerSecond,
        int publishBurst,
        int commandsPerSecond,
        int commandBurst,
        long maxOutboundBytes,
        int maxBodyBytes,
        int maxFrameBytes,
        int historyLimit,
        int recentDefault,
        int recoverLimit,
        long typingTimeoutMs,
        long presenceGraceMs,
        long helloTimeoutMs,
        long heartbeatMs,
        int maxRoomsPerConnection,
        int maxConnectionsPerUser,
        int maxErrorsPerTenSeconds,
        boolean autoCreateRooms,
        int tailCacheMessages) {}
