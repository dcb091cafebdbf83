package dev.memkit.stats;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memkit.manager.MemoryManager;
import dev.memkit.budget.MemoryBudget;
import dev.memkit.budget.PressureMonitor;
import dev.memkit.buffer.Buffer;
import dev.memkit.buffer.BufferPool;
import dev.memkit.buffer.PoolExhaustedException;
import dev.memkit.pool.BoundedPool;
import dev.memkit.pool.PoolTimeoutException;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExportsTest {
    private static final long MIB = 1L << 20;

    @Test
    void theManagerIsVisibleThroughJmx() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try (MemoryManager m = MemoryManager.builder().limitBytes(64 * MIB).watchGc(false).build();
             Buffer b = m.acquire(MIB)) {
            JmxExport jmx = JmxExport.register(m, "exports-test");
            ObjectName name = new ObjectName("dev.memkit:type=MemoryManager,name=\"exports-test\"");
            assertEquals(name, jmx.objectName());
            assertEquals(m.budget().used(), server.getAttribute(name, "UsedBytes"));
            assertEquals(64 * MIB, server.getAttribute(name, "LimitBytes"));
            assertEquals("NORMAL", server.getAttribute(name, "PressureLevel"));
            String[] pools = (String[]) server.getAttribute(name, "Pools");
            assertTrue(Arrays.stream(pools).anyMatch(p -> p.startsWith("buffers buffers: 1 MiB leased")),
                    Arrays.toString(pools));
            String[] budgets = (String[]) server.getAttribute(name, "Budgets");
            assertTrue(budgets[0].startsWith("memkit: "), budgets[0]);
            String json = (String) server.invoke(name, "statsJson", new Object[0], new String[0]);
            assertEquals(MIB, new ObjectMapper().readTree(json).at("/memkit/bufferPools/0/leasedBytes").asLong());
            assertThrows(IllegalStateException.class, () -> JmxExport.register(m, "exports-test"));
            unregister(jmx);
            assertFalse(server.isRegistered(name));
            assertTrue(b.size() > 0);
        }
    }

    private static void leakOne(BoundedPool<Object> pool) throws InterruptedException {
        pool.acquire().get();
    }

    private static void unregister(AutoCloseable registration) throws Exception {
        registration.close();
    }

    @Test
    void memkitHappeningsAreJfrEvents(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("memkit.jfr");
        try (Recording r = new Recording()) {
            for (String e : List.of("PoolExhausted", "PoolWait", "BudgetRefused", "PressureChanged", "Leak",
                    "HugeAllocation")) {
                r.enable("dev.memkit." + e).withThreshold(Duration.ZERO);
            }
            r.start();
            try (BufferPool pool = BufferPool.builder().name("jfr").limitBytes(32 * MIB)
                    .acquireTimeout(Duration.ofMillis(10)).build();
                 Buffer huge = pool.acquire(20 * MIB)) {
                assertThrows(PoolExhaustedException.class, () -> pool.acquire(20 * MIB));
                assertTrue(huge.size() > 0);
            }
            MemoryBudget budget = MemoryBudget.root("jfr-budget", MIB);
            assertFalse(budget.tryReserve(2 * MIB));
            try (PressureMonitor monitor = PressureMonitor.builder().build()) {
                monitor.submit(0.99, 0);
            }
            try (BoundedPool<Object> objects = BoundedPool.builder(Object::new).name("jfr-objects").capacity(1)
                    .build()) {
                var held = objects.acquire();
                assertThrows(PoolTimeoutException.class, () -> objects.acquire(Duration.ofMillis(10)));
                held.close();
                leakOne(objects);
                for (int i = 0; i < 100 && objects.stats().leaksDetected() == 0; i++) {
                    System.gc();
                    Thread.sleep(10);
                }
                assertEquals(1, objects.stats().leaksDetected());
            }
            r.stop();
            r.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        Set<String> names = events.stream().map(e -> e.getEventType().getName()).collect(Collectors.toSet());
        assertTrue(names.containsAll(Set.of("dev.memkit.PoolExhausted", "dev.memkit.PoolWait",
                "dev.memkit.BudgetRefused", "dev.memkit.PressureChanged", "dev.memkit.HugeAllocation",
                "dev.memkit.Leak")), names::toString);
        RecordedEvent refused = events.stream().filter(e -> e.getEventType().getName().equals("dev.memkit.BudgetRefused"))
                .findFirst().orElseThrow();
        assertEquals("jfr-budget", refused.getString("budget"));
        assertEquals(2 * MIB, refused.getLong("requested"));
        assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("dev.memkit.PoolExhausted")
                && "object".equals(e.getString("kind")) && "jfr-objects".equals(e.getString("pool"))));
    }
}
