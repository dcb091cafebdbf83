package dev.memkit.offheap;

/**
 * Keeps the JIT from dropping loads whose only purpose is to start cache misses early (the batched gets of
 * {@link LongLongMap} and {@link BytesMap} read a word of each key's bucket or record before searching any).
 * Stateless apart from a sink that is written for one value in 2^64; thread-safe.
 */
final class Touches {
    private static final long SENTINEL = 0x9E3779B97F4A7C15L;
    @SuppressWarnings("unused") // see keep: only there so that the touches are not optimised away
    private static long sink;

    private Touches() {}

    /**
     * Uses {@code touched}, an XOR of the words a batch read: a test, not a store, so concurrent callers do not
     * write to a shared cache line (the store runs only for one value in 2^64).
     */
    static void keep(long touched) {
        if (touched == SENTINEL) {
            sink = touched;
        }
    }
}
