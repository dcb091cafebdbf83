package dev.memkit.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Asks for a GC on behalf of a pool that waits at its limit while leaked leases may hold what it waits for: a
 * leak comes back only once the GC finds the lease unreachable, and a service whose data lives off-heap may go
 * minutes without a GC. The JDK does the same for direct buffers ({@code java.nio.Bits.reserveMemory}). At most
 * one request per interval per instance; {@code System.gc()} is a no-op under {@code -XX:+DisableExplicitGC}.
 *
 * <p><b>Concurrency.</b> Thread-safe: one CAS decides which caller requests.
 */
public final class GcRequests {
    private final long intervalNanos;
    private final AtomicLong lastNanos;
    private final AtomicLong count = new AtomicLong();

    /**
     * Rate-limited requests.
     *
     * @param intervalNanos the least time between two requests
     */
    public GcRequests(long intervalNanos) {
        this.intervalNanos = intervalNanos;
        this.lastNanos = new AtomicLong(System.nanoTime() - intervalNanos);
    }

    /**
     * Calls {@code System.gc()} unless a request was made less than the interval ago.
     *
     * @return true if this call requested a GC
     */
    public boolean request() {
        long last = lastNanos.get();
        long now = System.nanoTime();
        if (now - last < intervalNanos || !lastNanos.compareAndSet(last, now)) {
            return false;
        }
        count.incrementAndGet();
        System.gc();
        return true;
    }

    /**
     * How many GCs were requested (for tests and diagnostics).
     *
     * @return the count
     */
    public long count() {
        return count.get();
    }
}
