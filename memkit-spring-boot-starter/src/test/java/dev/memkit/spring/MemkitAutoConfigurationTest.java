package dev.memkit.spring;

import dev.memkit.manager.MemoryManager;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemkitAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MemkitAutoConfiguration.class));

    @Test
    void badPropertiesStopTheApplicationNamingTheProperty() {
        runner.withPropertyValues("memkit.limit=0").run(ctx -> {
            assertNotNull(ctx.getStartupFailure());
            assertTrue(rootMessage(ctx.getStartupFailure()).contains("memkit.limit must be positive"),
                    rootMessage(ctx.getStartupFailure()));
        });
        runner.withPropertyValues("memkit.limit=64MB", "memkit.pools.ingest.limit=-1MB").run(ctx ->
                assertTrue(rootMessage(ctx.getStartupFailure()).contains("memkit.pools.ingest.limit"),
                        rootMessage(ctx.getStartupFailure())));
        runner.withPropertyValues("memkit.limit=64MB", "memkit.pools.buffers.limit=8MB").run(ctx ->
                assertTrue(rootMessage(ctx.getStartupFailure()).contains("already has a budget named 'buffers'"),
                        "the default pool's name is taken: " + rootMessage(ctx.getStartupFailure())));
    }

    @Test
    void anApplicationsOwnManagerIsUsedAndClosedByIt() {
        try (MemoryManager own = MemoryManager.builder().limitBytes(32L << 20).watchGc(false).build()) {
            runner.withBean(MemoryManager.class, () -> own).run(ctx -> {
                assertSame(own, ctx.getBean(MemoryManager.class));
                assertEquals(0, ctx.getBean(MemkitPools.class).byName().size());
            });
        }
    }

    @Test
    void theManagerIsClosedWithTheContext() {
        MemoryManager[] seen = new MemoryManager[1];
        runner.withPropertyValues("memkit.limit=64MB", "memkit.watch-gc=false").run(ctx -> {
            seen[0] = ctx.getBean(MemoryManager.class);
            assertEquals(64L << 20, seen[0].budget().limit());
        });
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> seen[0].buffers().acquire(16), "closed with the context");
    }

    private static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null) {
            r = r.getCause();
        }
        return String.valueOf(r.getMessage());
    }
}
