package dev.memkit.stats;

/**
 * The JMX view of a {@link dev.memkit.manager.MemoryManager}, registered by {@link JmxExport#register} as
 * {@code dev.memkit:type=MemoryManager,name=NAME}. Every attribute is read when asked (instantaneous).
 *
 * @since 0.1
 */
public interface MemoryManagerMXBean {
    /**
     * The process-wide limit.
     *
     * @return bytes
     */
    long getLimitBytes();

    /**
     * Bytes reserved on the root budget.
     *
     * @return bytes
     */
    long getUsedBytes();

    /**
     * Where the limit came from.
     *
     * @return for example "builder" or "MEMKIT_LIMIT"
     */
    String getLimitSource();

    /**
     * The pressure level.
     *
     * @return NORMAL, ELEVATED or CRITICAL
     */
    String getPressureLevel();

    /**
     * The last pressure reading.
     *
     * @return a fraction
     */
    double getLastPressure();

    /**
     * Whether non-critical budgets are being refused.
     *
     * @return true while the breaker is open
     */
    boolean isBreakerOpen();

    /**
     * One line per budget: path, used, limit, refusals.
     *
     * @return the lines
     */
    String[] getBudgets();

    /**
     * One line per pool (buffer pools, local and bounded object pools).
     *
     * @return the lines
     */
    String[] getPools();

    /**
     * Leaks detected by all of the manager's buffer and bounded pools.
     *
     * @return the count
     */
    long getLeaksDetected();

    /**
     * The full statistics as JSON (the format of {@link MemoryStats#toJson()}).
     *
     * @return a JSON object
     */
    String statsJson();
}
