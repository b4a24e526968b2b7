/** Parley's cluster on Redis. */
package dev.parley.chat.cluster.redis;
