package dev.memkit.manager;

import dev.memkit.manager.Allocation;
import dev.memkit.manager.Lifetime;
import dev.memkit.MemoryLimitException;
import dev.memkit.manager.MemoryManager;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AllocateTest {
    private static final long MIB = 1L << 20;

    private static MemoryManager manager() {
        return MemoryManager.builder().limitBytes(256 * MIB).watchGc(false).build();
    }

    @Test
    void transientMemoryIsPooled() {
        try (MemoryManager m = manager()) {
            try (Allocation a = m.allocate(4096, Lifetime.TRANSIENT)) {
                assertEquals(Allocation.Strategy.POOLED, a.strategy());
                assertEquals(4096, a.segment().byteSize());
                assertEquals(1, m.buffers().stats().leasedCount());
            }
            assertEquals(0, m.buffers().stats().leasedCount());
            try (Allocation huge = m.allocate(20 * MIB, Lifetime.TRANSIENT)) {
                assertEquals(1, m.buffers().stats().hugeLeasedCount(), "above the largest class: dedicated block");
                assertEquals(20 * MIB, huge.segment().byteSize());
            }
        }
    }

    @Test
    void scopedMemoryDiesWithItsScope() {
        try (MemoryManager m = manager()) {
            MemorySegment kept = m.inScope(() -> {
                Allocation a = m.allocate(100, Lifetime.SCOPED);
                assertEquals(Allocation.Strategy.ARENA, a.strategy());
                a.segment().set(ValueLayout.JAVA_INT, 0, 42);
                a.close(); // a no-op: the scope frees it
                assertEquals(42, a.segment().get(ValueLayout.JAVA_INT, 0));
                String inner = m.inScope(() -> {
                    m.allocate(10, Lifetime.SCOPED);
                    return "nested";
                });
                assertEquals("nested", inner);
                assertTrue(m.buffers().stats().leasedCount() >= 1, "the scope's chunk is leased");
                return a.segment();
            });
            assertThrows(IllegalStateException.class, () -> kept.get(ValueLayout.JAVA_INT, 0),
                    "use after the scope ended is detected");
            assertEquals(0, m.buffers().stats().leasedCount(), "the scope returned its chunks");
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> m.allocate(8, Lifetime.SCOPED));
            assertTrue(e.getMessage().contains("inScope"), e.getMessage());
        }
    }

    @Test
    void longLivedMemoryIsDedicatedAndCharged() {
        try (MemoryManager m = manager()) {
            Allocation a = m.allocate(3 * MIB, Lifetime.LONG_LIVED);
            assertEquals(Allocation.Strategy.DEDICATED, a.strategy());
            assertEquals(0, m.buffers().stats().reservedBytes(), "no pooled slab pinned");
            assertEquals(3 * MIB, m.budget().used());
            a.segment().set(ValueLayout.JAVA_LONG, 3 * MIB - 8, 7);
            a.close();
            assertEquals(0, m.budget().used());
            assertThrows(IllegalStateException.class, a::close);
            assertThrows(IllegalStateException.class, a::segment);
        }
    }

    @Test
    void refusalsAndBadInputAreClear() {
        try (MemoryManager m = MemoryManager.builder().limitBytes(8 * MIB).watchGc(false).build()) {
            assertThrows(IllegalArgumentException.class, () -> m.allocate(0, Lifetime.TRANSIENT));
            assertThrows(IllegalArgumentException.class, () -> m.allocate(-5, Lifetime.LONG_LIVED));
            assertThrows(NullPointerException.class, () -> m.allocate(8, null));
            MemoryLimitException e = assertThrows(MemoryLimitException.class,
                    () -> m.allocate(9 * MIB, Lifetime.LONG_LIVED));
            assertTrue(e.getMessage().contains("memkit/long-lived"), e.getMessage());
            assertEquals(0, m.budget().used(), "a refusal leaves nothing reserved");
        }
    }
}
