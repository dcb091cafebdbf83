package dev.memkit.budget;

import dev.memkit.MemoryLimitException;

/**
 * A reservation that a {@link MemoryBudget} could not grant in the time allowed, or refused at once because the
 * budget is non-critical and the circuit breaker is open. The message names the budget path, the request, the
 * usage and the limit of the budget that said no (which may be an ancestor of the one asked).
 *
 * @since 0.1
 */
public final class BudgetExceededException extends MemoryLimitException {
    private static final long serialVersionUID = 1L;

    private final String budgetPath;

    BudgetExceededException(String message, String budgetPath, long requestedBytes, long usedBytes,
                            long limitBytes) {
        super(message, requestedBytes, usedBytes, limitBytes, null);
        this.budgetPath = budgetPath;
    }

    /**
     * Path of the budget whose limit refused the request, such as {@code "process/buffers"}.
     *
     * @return the path
     */
    public String budgetPath() {
        return budgetPath;
    }
}
