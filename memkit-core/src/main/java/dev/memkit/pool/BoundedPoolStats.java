package dev.memkit.pool;

/**
 * A snapshot of a {@link BoundedPool}. Slot states are read one by one without stopping anyone, so under
 * concurrent use {@code leased} and {@code idle} may be off by the operations in flight.
 *
 * @param pool the pool's name
 * @param capacity the most objects that may exist at once
 * @param leased leases not yet released
 * @param idle created objects waiting in free slots
 * @param created objects the factory made, ever
 * @param destroyed objects destroyed, ever (invalid, expired, leaked, or at close)
 * @param factoryFailures factory calls that threw or returned null
 * @param waiters threads waiting for a free slot now
 * @param waits acquires that had to wait, ever
 * @param waitNanos total time spent waiting, in nanoseconds
 * @param timeouts acquires that gave up after their timeout
 * @param leaksDetected leases recovered because they became unreachable unreleased
 * @since 0.1
 */
public record BoundedPoolStats(String pool, int capacity, int leased, int idle, long created, long destroyed,
                               long factoryFailures, int waiters, long waits, long waitNanos, long timeouts,
                               long leaksDetected) {
}
