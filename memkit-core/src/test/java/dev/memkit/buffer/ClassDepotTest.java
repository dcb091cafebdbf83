package dev.memkit.buffer;

import dev.memkit.leak.LeakDetection;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassDepotTest {

    /**
     * Two threads that both found the depot empty each add a slab; the second is carved once the first runs out,
     * so no slab's room is left unused while new slabs are added (it once was: every such race left a whole slab
     * uncarved, and many threads on few cores doubled a pool's footprint).
     */
    @Test
    void aSlabAddedWhileAnotherIsCarvedIsCarvedNext() {
        try (BufferPool pool = BufferPool.builder().name("depot").leakDetection(LeakDetection.DISABLED).build()) {
            ClassDepot depot = new ClassDepot(0, 1024, 8, new AtomicLong(), null);
            Block[] out = new Block[32];
            Taken first = depot.addSlabAndTake(new Slab(pool, depot, 1024, 8), out, 0, 1);
            Taken second = depot.addSlabAndTake(new Slab(pool, depot, 1024, 8), out, 1, 1);  // the racing slab
            assertEquals(1, first.count());
            assertEquals(1, second.count());
            assertTrue(second.fresh());
            Taken rest = depot.take(out, 2, 30);
            assertEquals(14, rest.count(), "both slabs' remaining blocks, before any new slab is needed");
            assertEquals(0, depot.take(out, 16, 1).count(), "then the depot is empty");
            long[] usage = depot.usage();
            assertEquals(0, usage[0], "no idle or uncarved room left");
            assertEquals(2, usage[2]);
            java.util.Set<Block> distinct = new java.util.HashSet<>(java.util.Arrays.asList(out).subList(0, 16));
            assertEquals(16, distinct.size(), "every block handed out once");
            depot.give(out, 0, 16);
        }
    }
}
