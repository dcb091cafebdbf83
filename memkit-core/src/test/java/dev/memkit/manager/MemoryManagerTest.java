package dev.memkit.manager;

import dev.memkit.budget.PressureLevel;
import dev.memkit.buffer.Buffer;
import dev.memkit.buffer.BufferPool;
import dev.memkit.buffer.PoolExhaustedException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryManagerTest {
    private static final long MIB = 1L << 20;

    @Test
    void poolsDrawFromTheOneBudget() {
        try (MemoryManager m = MemoryManager.builder().limitBytes(64 * MIB).watchGc(false).build()) {
            assertEquals("builder", m.limitSource());
            BufferPool ingest = m.newBufferPool("ingest", 48 * MIB, p -> p.acquireTimeout(Duration.ZERO));
            List<Buffer> held = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                held.add(m.acquire(MIB));
                held.add(ingest.acquire(MIB));
            }
            assertEquals(m.buffers().stats().reservedBytes() + ingest.stats().reservedBytes(), m.budget().used(),
                    "every native byte is charged to the root");
            // The root limit binds across pools: ingest cannot reach its own 48 MiB while buffers hold memory.
            PoolExhaustedException e = assertThrows(PoolExhaustedException.class, () -> {
                for (int i = 0; i < 48; i++) {
                    held.add(ingest.acquire(MIB));
                }
            });
            assertTrue(e.getMessage().contains("budget 'memkit/ingest'"), e.getMessage());
            assertTrue(m.budget().used() <= 64 * MIB);
            held.forEach(Buffer::close);
        }
    }

    @Test
    void elevatedPressureMakesPoolsReturnIdleMemory() {
        try (MemoryManager m = MemoryManager.builder().limitBytes(256 * MIB).watchGc(false)
                .bufferPool(p -> p.idleTimeout(Duration.ZERO)).build()) {
            List<Buffer> held = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                held.add(m.acquire(MIB));
            }
            held.forEach(Buffer::close);
            assertTrue(m.buffers().stats().reservedBytes() >= 32 * MIB, "idle memory kept for reuse");
            m.pressure().submit(0.80, 0);
            assertEquals(PressureLevel.ELEVATED, m.pressure().level());
            assertEquals(0, m.buffers().stats().reservedBytes(), "trimmed under pressure");
            assertEquals(0, m.budget().used());
        }
    }

    @Test
    void criticalPressureRefusesNonCriticalPoolsFast() {
        try (MemoryManager m = MemoryManager.builder().limitBytes(256 * MIB).watchGc(false).build()) {
            BufferPool cache = m.newBufferPool("cache", 64 * MIB, p -> p.acquireTimeout(Duration.ofSeconds(30)));
            m.pressure().submit(0.95, 0);
            PoolExhaustedException e = assertThrows(PoolExhaustedException.class,
                    () -> cache.acquire(MIB, Duration.ZERO));
            assertTrue(e.getMessage().contains("circuit breaker is open"), e.getMessage());
            m.pressure().submit(0.1, 0);
            cache.acquire(MIB).close();
        }
    }

    @Test
    void arenasDrawFromTheManagedPoolAndBudget() {
        try (MemoryManager m = MemoryManager.builder().limitBytes(64 * MIB).watchGc(false).build()) {
            try (dev.memkit.arena.RegionArena arena = m.newArena()) {
                arena.allocate(10_000);
                assertTrue(m.budget().used() > 0, "the arena's chunk is charged to the budget");
                assertEquals(1, m.buffers().stats().leasedCount());
            }
            assertEquals(0, m.buffers().stats().leasedCount());
        }
    }

    @Test
    void statsShowBudgetPressureAndPools() {
        try (MemoryManager m = MemoryManager.builder().limitBytes(64 * MIB).watchGc(false).build()) {
            m.newBufferPool("ingest", 8 * MIB, p -> p);
            try (Buffer b = m.acquire(MIB)) {
                dev.memkit.manager.MemoryManagerStats st = m.stats();
                assertEquals(64 * MIB, st.limitBytes());
                assertEquals(m.budget().used(), st.usedBytes());
                assertEquals(PressureLevel.NORMAL, st.pressure());
                assertEquals(2, st.pools().size());
                assertEquals("buffers", st.pools().getFirst().pool());
                assertEquals(MIB, st.pools().getFirst().leasedBytes());
                assertEquals("builder", st.limitSource());
                assertTrue(b.size() > 0);
            }
        }
    }

    @Test
    void objectPoolsFollowPressureShowInStatsAndCloseWithTheManager() throws Exception {
        dev.memkit.pool.LocalPool<StringBuilder> builders;
        dev.memkit.pool.BoundedPool<Object> conns;
        try (MemoryManager m = MemoryManager.builder().limitBytes(64 * MIB).watchGc(false).build()) {
            builders = m.newLocalPool("builders", StringBuilder::new,
                    b -> b.reset(sb -> sb.setLength(0)).idleTimeout(Duration.ZERO));
            conns = m.newBoundedPool("conns", Object::new, b -> b.capacity(2));
            List<StringBuilder> out = List.of(builders.get(), builders.get());
            out.forEach(builders::put);
            try (var lease = conns.acquire()) {
                dev.memkit.manager.MemoryManagerStats st = m.stats();
                assertEquals("builders", st.localPools().getFirst().pool());
                assertEquals(2, st.localPools().getFirst().idle());
                assertEquals("conns", st.boundedPools().getFirst().pool());
                assertEquals(1, st.boundedPools().getFirst().leased());
                assertTrue(lease.get() != null);
            }
            m.pressure().submit(0.80, 0);         // ELEVATED: idle objects become victims
            assertEquals(2, builders.stats().idle());
            m.pressure().submit(0.95, 0);         // CRITICAL: all dropped
            assertEquals(0, builders.stats().idle());
        }
        assertThrows(IllegalStateException.class, builders::get);
        assertThrows(IllegalStateException.class, conns::acquire);
    }

    @Test
    void aPoolNameThatWouldShareABudgetPathIsRefused() {
        try (MemoryManager m = MemoryManager.builder().limitBytes(64 * MIB).watchGc(false).build()) {
            m.newBufferPool("ingest", 8 * MIB, p -> p);
            IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                    () -> m.newBufferPool("ingest", 8 * MIB, p -> p));
            assertTrue(twice.getMessage().contains("already has a budget named 'ingest'"), twice.getMessage());
            assertThrows(IllegalArgumentException.class, () -> m.newBufferPool("buffers", 8 * MIB, p -> p),
                    "the default pool's budget");
            assertEquals(1, m.stats().pools().stream().filter(p -> p.pool().equals("ingest")).count());
        }
    }
}
