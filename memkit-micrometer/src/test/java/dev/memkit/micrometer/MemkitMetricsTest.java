package dev.memkit.micrometer;

import dev.memkit.manager.MemoryManager;
import dev.memkit.buffer.Buffer;
import dev.memkit.pool.BoundedPool;
import dev.memkit.pool.LocalPool;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemkitMetricsTest {
    private static final long MIB = 1L << 20;

    /** Every meter MemkitMetrics documents. */
    static final Set<String> DOCUMENTED = Set.of("memkit.budget.limit", "memkit.budget.used",
            "memkit.budget.refusals", "memkit.pressure.level", "memkit.pressure", "memkit.breaker.open",
            "memkit.buffer.pool.limit", "memkit.buffer.pool.reserved", "memkit.buffer.pool.leased",
            "memkit.buffer.pool.idle", "memkit.buffer.pool.acquires", "memkit.buffer.pool.misses",
            "memkit.buffer.pool.leaks", "memkit.object.pool.gets", "memkit.object.pool.hits",
            "memkit.object.pool.puts", "memkit.object.pool.dropped", "memkit.object.pool.idle",
            "memkit.object.pool.leased", "memkit.object.pool.waiters", "memkit.object.pool.capacity",
            "memkit.object.pool.created", "memkit.object.pool.destroyed", "memkit.object.pool.timeouts",
            "memkit.object.pool.leaks", "memkit.object.pool.wait", "memkit.process.rss", "memkit.process.virtual",
            "memkit.heap.allocation.rate", "memkit.gc.pause");

    @Test
    void registersTheDocumentedMetersWithLiveValues() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (MemoryManager m = MemoryManager.builder().limitBytes(64 * MIB).watchGc(false).build()) {
            LocalPool<StringBuilder> local = m.newLocalPool("builders", StringBuilder::new,
                    b -> b.idleTimeout(Duration.ZERO));
            BoundedPool<Object> bounded = m.newBoundedPool("conns", Object::new, b -> b.capacity(3));
            local.put(local.get());
            var lease = bounded.acquire();
            new MemkitMetrics(m).bindTo(registry);
            Set<String> names = registry.getMeters().stream().map(x -> x.getId().getName())
                    .collect(Collectors.toSet());
            names.removeAll(Set.of("memkit.nmt.reserved", "memkit.nmt.committed"));  // only when NMT is on
            assertEquals(DOCUMENTED, names);
            try (Buffer b = m.acquire(MIB)) {
                Thread.sleep(600);                  // past the snapshot cache
                assertEquals(MIB, registry.get("memkit.buffer.pool.leased").tag("pool", "buffers").gauge().value());
                assertEquals(m.budget().used(),
                        registry.get("memkit.budget.used").tag("budget", "memkit").gauge().value());
                assertEquals(64.0 * MIB, registry.get("memkit.budget.limit").tag("budget", "memkit").gauge().value());
                assertEquals(1.0, registry.get("memkit.object.pool.leased").tag("pool", "conns").gauge().value());
                assertEquals(3.0, registry.get("memkit.object.pool.capacity").tags("pool", "conns").gauge().value());
                assertEquals(1.0, registry.get("memkit.object.pool.gets").tag("pool", "builders").functionCounter()
                        .count());
                assertEquals(0.0, registry.get("memkit.pressure.level").gauge().value());
                assertTrue(b.size() > 0);
            }
            Meter used = registry.get("memkit.budget.used").tag("budget", "memkit").gauge();
            assertEquals("bytes", used.getId().getBaseUnit());
            java.util.Collection<Meter> tagged = registry.find("memkit.object.pool.idle").meters();
            assertEquals(Set.of("local", "bounded"),
                    tagged.stream().map(x -> x.getId().getTag("kind")).collect(Collectors.toSet()));
            lease.close();
        }
    }

    /** Pools and budgets made after binding get meters at the next scrape; JVM-wide figures are read live. */
    @Test
    void poolsAndBudgetsCreatedAfterBindingAppear() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (MemoryManager m = MemoryManager.builder().limitBytes(64 * MIB).watchGc(false).build();
             MemkitMetrics metrics = new MemkitMetrics(m)) {
            metrics.bindTo(registry);
            assertEquals(null, registry.find("memkit.buffer.pool.reserved").tag("pool", "late").gauge());
            var late = m.newBufferPool("late", 8 * MIB, b -> b);
            BoundedPool<Object> conns = m.newBoundedPool("late-conns", Object::new, b -> b.capacity(2));
            try (Buffer b = late.acquire(1024)) {
                Thread.sleep(600);                          // past the snapshot cache
                scrape(registry);                           // a refresh registers what is new
                scrape(registry);
                assertTrue(registry.get("memkit.buffer.pool.leased").tag("pool", "late").gauge().value() >= 1024);
                assertEquals(2.0, registry.get("memkit.object.pool.capacity").tag("pool", "late-conns").gauge()
                        .value());
                assertEquals(late.stats().reservedBytes(),
                        registry.get("memkit.budget.used").tag("budget", "memkit/late").gauge().value(),
                        "the new pool's budget");
                assertTrue(b.size() == 1024);
            }
            conns.close();
            assertTrue(registry.get("memkit.process.rss").gauge().value() > 0, "RSS on Linux");
            System.gc();
            Thread.sleep(600);
            assertTrue(registry.get("memkit.gc.pause").tag("quantile", "max").gauge().value() >= 0);
            assertTrue(registry.get("memkit.heap.allocation.rate").gauge().value() >= 0);
        }
    }

    /** Reads every meter's value once, as a registry's scrape does. */
    private static void scrape(SimpleMeterRegistry registry) {
        for (Meter meter : registry.getMeters()) {
            meter.measure().forEach(x -> x.getValue());
        }
    }
}
