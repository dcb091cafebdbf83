package dev.memkit.leak;

/**
 * A lease that became unreachable without being released: a buffer from a {@code BufferPool}, an object from a
 * {@code BoundedPool}, or a {@code LONG_LIVED} allocation from a {@code MemoryManager}. Every pool hands these to
 * its leak listener (by default, a warning in the log with the acquisition site as its stack trace) and records a
 * JFR event {@code dev.memkit.Leak}.
 *
 * <p>When {@code reused} is true, what the lease held is back in use: its memory, or its pool slot, could no longer
 * be reached. When false, the lease had handed out a {@code MemorySegment} or {@code ByteBuffer} view that may
 * still be in use, so its memory stays out of circulation for good rather than get a second owner.
 *
 * @param pool the pool's name
 * @param type the class of what was leased ({@code dev.memkit.buffer.Buffer}, the pooled object's class, or
 *        {@code dev.memkit.manager.Allocation})
 * @param requestedBytes the size the lease was acquired with; 0 for an object lease
 * @param acquisitionSite where the lease was acquired, or {@code null} when the pool did not record it (see
 *        {@link LeakDetection})
 * @param reused whether the memory or slot went back into use
 * @since 0.1
 */
public record LeakReport(String pool, String type, long requestedBytes, Throwable acquisitionSite, boolean reused) {
    @Override
    public String toString() {
        String what = requestedBytes > 0 ? "a lease of " + requestedBytes + " bytes (" + simpleName() + ")"
                : "a lease of " + type;
        return "LEAK: " + what + " from pool '" + pool + "' was not released before it became unreachable"
                + (reused ? "; it was reclaimed"
                        : "; it had handed out a view that may still be in use, so its memory is never reused")
                + (acquisitionSite == null
                        ? " (acquisition site not recorded: use LeakDetection.ALL to record every site)"
                        : "; acquired at:");
    }

    private String simpleName() {
        return type.substring(type.lastIndexOf('.') + 1);
    }
}
