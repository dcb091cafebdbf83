package dev.memkit.pool;

/**
 * A {@link BoundedPool} lease that became unreachable, with its object, without being released. Its slot has
 * already been recovered; the object was garbage collected, so the pool's destroy hook could not run for it.
 *
 * @param pool the pool's name
 * @param objectClass the class of the leaked object
 * @param acquisitionSite where the lease was acquired, or {@code null} when this lease was not sampled
 */
public record LeaseLeakReport(String pool, String objectClass, Throwable acquisitionSite) {
    @Override
    public String toString() {
        return "LEAK: a lease of " + objectClass + " from pool '" + pool
                + "' was not released before it became unreachable; its slot was recovered"
                + (acquisitionSite == null
                        ? " (acquisition site not sampled: use LeakDetection.PARANOID to record every site)"
                        : "; acquired at:");
    }
}
