/**
 * Budgets and pressure: {@link dev.memkit.budget.MemoryBudget} is a tree of byte limits (with guarantees and a
 * circuit breaker) every pool charges, with backpressure instead of an out-of-memory crash;
 * {@link dev.memkit.budget.PressureMonitor} classifies heap and RSS pressure and tells pools to give memory back.
 * Thread-safe.
 *
 * @since 0.1
 */
package dev.memkit.budget;
