package dev.parley.chat.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Text that is not Unicode: a UTF-16 surrogate that is not half of a pair. Jackson parses such a
 * JSON escape into a Java string, but cannot write it as UTF-8 again (PROTOCOL §9 "Frames").
 *
 * <p><b>Thread safety.</b> Stateless; safe from any thread.
 */
public final class UnicodeText {
    private UnicodeText() {}

    /** Whether any field name or string value of the tree, at any depth, holds an unpaired surrogate. */
    static boolean hasUnpairedSurrogate(JsonNode node) {
        if (node.isTextual()) {
            return hasUnpairedSurrogate(node.textValue());
        }
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (hasUnpairedSurrogate(field.getKey()) || hasUnpairedSurrogate(field.getValue())) {
                    return true;
                }
            }
            return false;
        }
        if (node.isArray()) {
            for (JsonNode element : node) {
                if (hasUnpairedSurrogate(element)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether {@code s} holds a surrogate that is not half of a high-then-low pair. */
    public static boolean hasUnpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return true;
            }
            if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /** {@code s} with every unpaired surrogate replaced by U+FFFD; {@code s} itself when it has none. */
    public static String repaired(String s) {
        if (!hasUnpairedSurrogate(s)) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                out.append(c).append(s.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append('\uFFFD');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
