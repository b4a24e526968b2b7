package dev.parley.chat.testkit;

import java.util.List;
import java.util.Objects;

/**
 * The failure messages of the contract tests: the rule that was broken, in words, and the first
 * place where what the implementation did differs from what the rule asks, never two whole lists
 * of thousands of elements.
 */
final class ContractAssertions {
    private ContractAssertions() {}

    /**
     * Fails, unless {@code actual} equals {@code expected}, with "{@code rule}: …" and the first
     * difference.
     *
     * @throws AssertionError naming the rule and the first differing element
     */
    static <T> void assertSameList(String rule, List<T> actual, List<T> expected) {
        String difference = firstDifference(actual, expected);
        if (difference != null) {
            throw new AssertionError(rule + ": " + difference);
        }
    }

    /**
     * Where two lists differ first, in words; null if they are equal.
     *
     * @return e.g. "at index 3 expected 4 but was 5 (expected 10 elements, got 10)"
     */
    static <T> String firstDifference(List<T> actual, List<T> expected) {
        int common = Math.min(actual.size(), expected.size());
        for (int i = 0; i < common; i++) {
            if (!Objects.equals(actual.get(i), expected.get(i))) {
                return "at index " + i + " expected " + expected.get(i) + " but was " + actual.get(i)
                        + sizes(actual, expected);
            }
        }
        if (actual.size() < expected.size()) {
            return "the first " + common + " agree, then " + expected.get(common) + " is missing"
                    + sizes(actual, expected);
        }
        if (actual.size() > expected.size()) {
            return "the first " + common + " agree, then " + actual.get(common) + " is one too many"
                    + sizes(actual, expected);
        }
        return null;
    }

    private static String sizes(List<?> actual, List<?> expected) {
        return " (expected " + expected.size() + " elements, got " + actual.size() + ")";
    }
}
