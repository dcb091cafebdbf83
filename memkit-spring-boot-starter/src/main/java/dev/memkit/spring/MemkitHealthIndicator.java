package dev.memkit.spring;

import dev.memkit.manager.MemoryManager;
import dev.memkit.manager.MemoryManagerStats;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * Health from memkit's memory pressure: UP at NORMAL and ELEVATED, OUT_OF_SERVICE at CRITICAL (the breaker then
 * refuses non-critical budgets, so a load balancer should send the instance less work, not restart it), with the
 * level, the last reading, the breaker and the root budget's usage as details. Thread-safe.
 *
 * @since 0.1
 */
public final class MemkitHealthIndicator implements HealthIndicator {
    private final MemoryManager manager;

    /**
     * An indicator for {@code manager}.
     *
     * @param manager the application's manager
     */
    public MemkitHealthIndicator(MemoryManager manager) {
        this.manager = manager;
    }

    @Override
    public Health health() {
        MemoryManagerStats s = manager.stats();
        Health.Builder b = switch (s.pressure()) {
            case NORMAL, ELEVATED -> Health.up();
            case CRITICAL -> Health.outOfService();
        };
        return b.withDetail("pressure", s.pressure().name()).withDetail("reading", s.lastPressure())
                .withDetail("breakerOpen", s.breakerOpen()).withDetail("usedBytes", s.usedBytes())
                .withDetail("limitBytes", s.limitBytes()).withDetail("limitSource", s.limitSource()).build();
    }
}
