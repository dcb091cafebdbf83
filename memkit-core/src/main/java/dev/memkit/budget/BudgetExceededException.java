package dev.memkit.budget;

/**
 * A reservation that a {@link MemoryBudget} could not grant in the time allowed, or refused at once because the
 * budget is non-critical and the circuit breaker is open. The message names the budget path, the request, the
 * usage and the limit of the budget that said no (which may be an ancestor of the one asked).
 */
public final class BudgetExceededException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String budgetPath;
    private final long requestedBytes;
    private final long usedBytes;
    private final long limitBytes;

    BudgetExceededException(String message, String budgetPath, long requestedBytes, long usedBytes,
                            long limitBytes) {
        super(message);
        this.budgetPath = budgetPath;
        this.requestedBytes = requestedBytes;
        this.usedBytes = usedBytes;
        this.limitBytes = limitBytes;
    }

    /**
     * Path of the budget whose limit refused the request, such as {@code "process/buffers"}.
     *
     * @return the path
     */
    public String budgetPath() {
        return budgetPath;
    }

    /**
     * The bytes asked for.
     *
     * @return requested bytes
     */
    public long requestedBytes() {
        return requestedBytes;
    }

    /**
     * What the refusing budget had in use.
     *
     * @return used bytes
     */
    public long usedBytes() {
        return usedBytes;
    }

    /**
     * The refusing budget's limit.
     *
     * @return limit in bytes
     */
    public long limitBytes() {
        return limitBytes;
    }
}
