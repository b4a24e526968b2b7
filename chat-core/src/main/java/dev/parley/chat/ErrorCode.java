package dev.parley.chat;

/** The error codes of PROTOCOL §6; {@code name()} is the wire name. */
public enum ErrorCode {
    /** Not JSON, not an object, a missing or mistyped field, a binary frame. */
    BAD_REQUEST,
    /** {@code type} is not a command of the protocol. */
    UNKNOWN_TYPE,
    /** No successful {@code hello} yet, or its credentials were refused. */
    UNAUTHENTICATED,
    /** The policy refuses this user this room or this action. */
    FORBIDDEN,
    /** A room name breaks the naming rule. */
    INVALID_ROOM,
    /** A user name breaks the naming rule. */
    INVALID_USER,
    /** {@code publish} or {@code typing} in a room this connection has not joined. */
    NOT_IN_ROOM,
    /** A {@code target} or {@code replyTo} that names no message, or an unknown room. */
    NOT_FOUND,
    /** {@code create} of an existing room. */
    ROOM_EXISTS,
    /** A body or meta over its size limit. */
    MESSAGE_TOO_LARGE,
    /** Over the connection's rate; the command was not run. */
    RATE_LIMITED,
    /** Too many rooms joined by one connection, connections of one user, and the like. */
    LIMIT_EXCEEDED,
    /** The store failed; the message was not acknowledged and may be retried with the same cid. */
    UNAVAILABLE,
    /** A bug on the server; the connection stays open. */
    INTERNAL
}
