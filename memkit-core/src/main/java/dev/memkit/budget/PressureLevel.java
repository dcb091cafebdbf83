package dev.memkit.budget;

/**
 * How hard memory is pressed, as classified by a {@link PressureMonitor}.
 *
 * @since 0.1
 */
public enum PressureLevel {
    /** Below the elevated threshold: nothing to do. */
    NORMAL,
    /** Pools trim idle memory, object pools drop idle objects, listeners shrink their caches. */
    ELEVATED,
    /** As ELEVATED, and the circuit breaker refuses reservations from non-critical budgets. */
    CRITICAL
}
