package dev.parley.chat.benchmarks.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the load programs read about a server process from Linux's {@code /proc} and from the JDK's
 * {@code jcmd}: CPU time ({@code /proc/PID/stat}), resident memory ({@code /proc/PID/status}) and
 * the live heap of a JVM after a full GC ({@code jcmd PID GC.class_histogram}).
 */
final class ProcessStats {
    /**
     * Clock ticks per second of {@code /proc/PID/stat}'s times: Linux's USER_HZ, 100 on every
     * architecture the JDK runs on (it is fixed for user space, whatever the kernel's HZ).
     */
    private static final long TICKS_PER_SECOND = 100;

    private ProcessStats() {}

    /**
     * The CPU time (user + system) process {@code pid} has used so far, in nanoseconds, from
     * {@code /proc/PID/stat} (10 ms resolution); -2 when it cannot be read (not Linux, gone).
     */
    static long cpuNanos(long pid) {
        try {
            return cpuNanosOfStat(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException | RuntimeException e) {
            return -2;
        }
    }

    /** The CPU time of one {@code /proc/PID/stat} line, in nanoseconds; see {@link #cpuNanos}. */
    static long cpuNanosOfStat(String stat) {
        // The command name (field 2) is in parentheses and may hold spaces; fields after the last
        // ')' start at field 3, so utime (field 14) and stime (field 15) are the 12th and 13th there.
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/PID/stat line: " + stat);
        }
        String[] fields = stat.substring(close + 2).trim().split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        return ticks * (1_000_000_000L / TICKS_PER_SECOND);
    }

    /** The resident set of process {@code pid} ({@code VmRSS} of {@code /proc/PID/status}), in bytes; -2 if unknown. */
    static long rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown
        }
        return -2;
    }

    /**
     * The bytes of live objects on the heap of JVM {@code pid}: the total of {@code jcmd PID
     * GC.class_histogram}, which runs a full GC first, so only reachable objects count. The jcmd
     * of the JDK this program runs on is used; -2 if it fails.
     */
    static long liveHeapBytes(long pid) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process p = new ProcessBuilder(List.of(jcmd.toString(), Long.toString(pid), "GC.class_histogram"))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return -2;
            }
            return histogramTotalBytes(out);
        } catch (IOException | RuntimeException e) {
            return -2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -2;
        }
    }

    /** The bytes of the {@code Total} line of a class histogram; -2 if there is none. */
    static long histogramTotalBytes(String histogram) {
        for (String line : histogram.split("\n")) {
            String t = line.trim();
            if (t.startsWith("Total")) {
                String[] f = t.split("\\s+");
                return Long.parseLong(f[f.length - 1]);
            }
        }
        return -2;
    }
}
