package dev.memkit.pool;

/**
 * A {@link BoundedPool} lease that became unreachable, with its object, without being released. Its slot has
 * already been recovered; the object was garbage collected, so the pool's destroy hook could not run for it.
 *
 * @param pool the pool's name
 * @param objectClass the class of the leaked object
 * @param acquisitionSite where the lease was acquired, or {@code null} when it was not recorded (sites are
 *        sampled once the pool has seen a leak, and recorded for every lease under {@code PARANOID})
 * @since 0.1
 */
public record LeaseLeakReport(String pool, String objectClass, Throwable acquisitionSite) {
    @Override
    public String toString() {
        return "LEAK: a lease of " + objectClass + " from pool '" + pool
                + "' was not released before it became unreachable; its slot was recovered"
                + (acquisitionSite == null
                        ? " (acquisition site not recorded: a pool samples sites only after its first leak;"
                                + " use LeakDetection.PARANOID to record every site)"
                        : "; acquired at:");
    }
}
