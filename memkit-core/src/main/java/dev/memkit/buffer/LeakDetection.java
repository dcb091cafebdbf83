package dev.memkit.buffer;

/**
 * How a {@link BufferPool} watches for leases that become unreachable without being released.
 *
 * <p>A tracked lease costs a phantom reference (about 32 bytes and a GC reference to process); an untracked
 * one costs nothing. A tracked leak is always counted, reported to the pool's leak listener, and its block
 * returned to the pool. An untracked leak cannot be seen: its block stays leased until the pool closes.
 */
public enum LeakDetection {
    /** No tracking: the cheapest, for code proven leak-free. */
    DISABLED,
    /** One lease in {@code leakSamplingRate} (default 1024) is tracked, with its allocation site. The default. */
    SAMPLED,
    /** Every lease is tracked and reclaimed; one in {@code leakSamplingRate} records its allocation site. */
    ALL,
    /**
     * Every lease is tracked with its allocation site, and every {@code MemorySegment} or {@code ByteBuffer}
     * taken from a lease is invalidated at release, so even raw access after release throws
     * {@code IllegalStateException}. Slow (a shared-arena close per release); for tests and debugging. This
     * mode calls the restricted method {@code MemorySegment.reinterpret}: run with
     * {@code --enable-native-access=dev.memkit} (or {@code ALL-UNNAMED} on the class path) to silence the
     * JDK's warning.
     */
    PARANOID
}
