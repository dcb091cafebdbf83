/**
 * Micrometer meters for memkit: {@link dev.memkit.micrometer.MemkitMetrics} binds budgets, pressure and pools to a
 * {@code MeterRegistry}.
 *
 * @since 0.1
 */
package dev.memkit.micrometer;
