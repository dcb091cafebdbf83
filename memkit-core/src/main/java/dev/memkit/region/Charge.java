package dev.memkit.region;

import dev.memkit.budget.MemoryBudget;

import java.time.Duration;

/**
 * What a native allocation is charged to: a {@link MemoryBudget}, or {@link #NONE} for memory no budget governs.
 * Holders keep a {@code Charge} instead of a nullable budget, so no code asks "is there a budget?".
 *
 * <p>Thread-safe: a budget charge is the budget's own atomic reservation; {@code NONE} has no state.
 */
public sealed interface Charge {
    /** Memory no budget governs: every charge succeeds and nothing is recorded. */
    Charge NONE = new Unbudgeted();

    /**
     * The charge for {@code budget}, or {@link #NONE} when it is null.
     *
     * @param budget a budget, or null
     * @return the charge
     */
    static Charge of(MemoryBudget budget) {
        return budget == null ? NONE : new Budgeted(budget, Duration.ZERO);
    }

    /**
     * The charge for {@code budget}, whose {@link #take} waits up to the budget's default timeout for other holders
     * to release.
     *
     * @param budget the budget
     * @return the charge
     */
    static Charge waiting(MemoryBudget budget) {
        return new Budgeted(budget, null);
    }

    /**
     * Charges {@code bytes} now, or throws the budget's own refusal (naming the budget and its usage).
     *
     * @param bytes at least 0
     * @throws dev.memkit.budget.BudgetExceededException if refused; nothing is then charged
     */
    void take(long bytes);

    /**
     * Charges {@code bytes} if the budget allows it now.
     *
     * @param bytes at least 0
     * @return true if charged
     */
    boolean tryTake(long bytes);

    /**
     * Returns bytes charged by {@link #take} or {@link #tryTake}.
     *
     * @param bytes at least 0
     */
    void give(long bytes);

    /**
     * The budget charged, or null for {@link #NONE}.
     *
     * @return the budget
     */
    MemoryBudget budget();

    /**
     * A budget's reservation.
     *
     * @param budget the budget
     * @param timeout how long {@link #take} waits; null for the budget's default timeout
     */
    record Budgeted(MemoryBudget budget, Duration timeout) implements Charge {
        @Override
        public void take(long bytes) {
            if (!budget.tryReserve(bytes)) {
                // Waits or throws the budget's refusal; the bytes are then held and given back through give().
                if (timeout == null) {
                    budget.reserve(bytes);
                } else {
                    budget.reserve(bytes, timeout);
                }
            }
        }

        @Override
        public boolean tryTake(long bytes) {
            return budget.tryReserve(bytes);
        }

        @Override
        public void give(long bytes) {
            budget.release(bytes);
        }
    }

    /** No budget. */
    final class Unbudgeted implements Charge {
        private Unbudgeted() {
        }

        @Override
        public void take(long bytes) {
        }

        @Override
        public boolean tryTake(long bytes) {
            return true;
        }

        @Override
        public void give(long bytes) {
        }

        @Override
        public MemoryBudget budget() {
            return null;
        }
    }
}
