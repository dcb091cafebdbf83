package dev.memkit.buffer;

/**
 * A lease that became unreachable without being released. Its block has already been returned to the pool.
 *
 * @param pool the pool's name
 * @param requestedBytes the size the lease was acquired with
 * @param allocationSite where the lease was acquired, or {@code null} when this lease was not sampled
 */
public record LeakReport(String pool, long requestedBytes, Throwable allocationSite) {
    @Override
    public String toString() {
        return "LEAK: a buffer of " + requestedBytes + " bytes from pool '" + pool
                + "' was not released before it became unreachable"
                + (allocationSite == null
                        ? " (allocation site not sampled: use LeakDetection.ALL to record every site)"
                        : "; acquired at:");
    }
}
