/**
 * The engine. Not an API: adapters and applications never need these types, and they change
 * without notice.
 */
@NullMarked
package dev.parley.chat.internal;

import org.jspecify.annotations.NullMarked;
