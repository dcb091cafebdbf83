package dev.memkit.buffer;

/**
 * A lease that became unreachable without being released.
 *
 * <p>When {@code reused} is true its block has already been returned to the pool: nothing could reach it any more.
 * When false, the lease had handed out a {@code segment()} or {@code byteBuffer()} view that may still be in use,
 * so the pool keeps the block out of circulation for good (it stays counted as leased) rather than give it a
 * second owner.
 *
 * @param pool the pool's name
 * @param requestedBytes the size the lease was acquired with
 * @param allocationSite where the lease was acquired, or {@code null} when this lease was not sampled
 * @param reused whether the block went back to the pool
 * @since 0.1
 */
public record LeakReport(String pool, long requestedBytes, Throwable allocationSite, boolean reused) {
    @Override
    public String toString() {
        return "LEAK: a buffer of " + requestedBytes + " bytes from pool '" + pool
                + "' was not released before it became unreachable"
                + (reused ? "" : " (it had handed out a view that may still be in use: its memory is never reused)")
                + (allocationSite == null
                        ? " (allocation site not sampled: use LeakDetection.ALL to record every site)"
                        : "; acquired at:");
    }
}
