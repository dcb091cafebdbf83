package dev.memkit.internal;

import java.time.Duration;

/** Conversions of user-given durations. Stateless. */
public final class Durations {
    private Durations() {}

    /**
     * {@code d} in nanoseconds, saturated at {@code Long.MAX_VALUE} (about 292 years) instead of overflowing, so a
     * timeout such as {@code Duration.ofSeconds(Long.MAX_VALUE)} means "wait forever". Deadlines built from it
     * must be compared by difference ({@code deadline - System.nanoTime() > 0}), which stays right past overflow.
     *
     * @param d a non-negative duration
     * @return nanoseconds
     */
    public static long saturatedNanos(Duration d) {
        return d.compareTo(MAX) >= 0 ? Long.MAX_VALUE : d.toNanos();
    }

    private static final Duration MAX = Duration.ofNanos(Long.MAX_VALUE);
}
