package dev.memkit.leak;

/**
 * How a pool ({@code dev.memkit.buffer.BufferPool}, or a {@code dev.memkit.pool.BoundedPool}) watches for leases that become
 * unreachable without being released.
 *
 * <p>In every mode but {@link #DISABLED}, every leak is counted and reported to the pool's leak listener, and its
 * memory (or pool slot) is returned to the pool once nothing can reach it. A buffer lease that handed out a
 * {@code segment()} or {@code byteBuffer()} view cannot be proven unreachable (the view may live on), so outside
 * {@link #PARANOID} its block is quarantined: reported, never reused ({@code BufferPoolStats.leaksQuarantined}).
 * Watching costs no allocation per lease: each block or slot carries one long-lived phantom reference from its
 * creation (about 100 bytes of heap per block a buffer pool has handed out). The modes differ in how many acquisition sites they record, since recording one captures a stack (a few
 * microseconds).
 *
 * @since 0.1
 */
public enum LeakDetection {
    /**
     * No watching: the cheapest, for code proven leak-free. A leaked lease is neither reported nor reused: its
     * memory stays leased for the pool's lifetime.
     */
    DISABLED,
    /**
     * Every lease is watched; one in {@code leakSamplingRate} (default 1024) records its acquisition site. The
     * default. (A bounded object pool records sites only once it has seen a leak.)
     */
    SAMPLED,
    /** Every lease is watched and records its acquisition site: for hunting a leak. */
    ALL,
    /**
     * As {@link #ALL}, and every {@code MemorySegment} or {@code ByteBuffer} taken from a buffer lease is
     * invalidated at release (or when the lease is found leaked, after which its block is reused), so even raw
     * access after release throws {@code IllegalStateException}. Slow (a shared-arena close per release); for tests
     * and debugging. This mode calls the restricted method
     * {@code MemorySegment.reinterpret}, so it needs native access ({@code --enable-native-access=dev.memkit}, or
     * {@code ALL-UNNAMED} on the class path): without it the pool logs one warning and behaves as {@link #ALL}.
     */
    PARANOID
}
