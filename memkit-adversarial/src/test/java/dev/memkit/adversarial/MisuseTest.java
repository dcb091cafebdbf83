package dev.memkit.adversarial;

import dev.memkit.manager.Allocation;
import dev.memkit.manager.Lifetime;
import dev.memkit.manager.MemoryManager;
import dev.memkit.arena.RegionArena;
import dev.memkit.budget.MemoryBudget;
import dev.memkit.budget.PressureLevel;
import dev.memkit.budget.PressureMonitor;
import dev.memkit.buffer.Buffer;
import dev.memkit.buffer.BufferPool;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Public types misused at the extremes and from several threads: clear errors, consistent state, no hang. */
class MisuseTest {
    private static final Duration FOREVER = Duration.ofSeconds(Long.MAX_VALUE);

    @Test
    void aRegionArenaRefusesAnAllocationWhoseSizeOverflowsAndLeasesNothing() {
        try (BufferPool pool = BufferPool.builder().limitBytes(64L << 20).build();
             RegionArena arena = RegionArena.confined(pool)) {
            assertThrows(IllegalArgumentException.class, () -> arena.allocate(Long.MAX_VALUE));
            assertThrows(IllegalArgumentException.class, () -> arena.allocate(Long.MAX_VALUE - 3, 8));
            assertEquals(0, pool.stats().leasedCount());
        }
    }

    @Test
    void timeoutsAsLongAsADurationCanBeMeanForever() throws Exception {
        try (BufferPool pool = BufferPool.builder().acquireTimeout(FOREVER).build();
             Buffer b = pool.acquire(100, FOREVER)) {
            b.putByte(0, (byte) 1);
        }
        MemoryBudget budget = MemoryBudget.root("forever", 1 << 20, FOREVER);
        try (MemoryBudget.Reservation r = budget.reserve(1000, FOREVER)) {
            assertEquals(1000, r.bytes());
        }
        try (MemoryBudget.Reservation r = budget.reserve(1000)) {
            assertEquals(r.bytes(), budget.used());
        }
    }

    @Test
    void aParentBudgetRefusesToReleaseBytesItsChildHolds() {
        MemoryBudget root = MemoryBudget.root("root", 1 << 20);
        MemoryBudget child = root.child("child", 1 << 20);
        assertTrue(child.tryReserve(4096));
        assertThrows(IllegalStateException.class, () -> root.release(4096));
        assertEquals(4096, root.used());
        assertFalse(root.tryReserve((1 << 20) - 4095), "no over-grant");
        child.release(4096);
        assertEquals(0, root.used());
    }

    @Test
    void racingPressureReadingsAlwaysLeaveTheBreakerMatchingTheLevel() throws Exception {
        for (int trial = 0; trial < 300; trial++) {
            MemoryBudget budget = MemoryBudget.root("pressure", 1 << 20);
            PressureMonitor monitor = PressureMonitor.builder().breaker(budget).build();
            CountDownLatch go = new CountDownLatch(1);
            CompletableFuture<Void> high = CompletableFuture.runAsync(() -> {
                await(go);
                monitor.submit(0.99, 0);
            });
            CompletableFuture<Void> low = CompletableFuture.runAsync(() -> {
                await(go);
                monitor.submit(0.10, 0);
            });
            go.countDown();
            high.join();
            low.join();
            assertEquals(monitor.level() == PressureLevel.CRITICAL, budget.breakerOpen(), "trial " + trial);
            monitor.close();
        }
    }

    @Test
    void aSharedArenaResetDoesNotWaitBehindAnAllocationWaitingForMemory() throws Exception {
        try (BufferPool pool = BufferPool.builder().limitBytes(128L << 10).acquireTimeout(Duration.ofSeconds(60))
                .idleTimeout(Duration.ZERO).build()) {
            RegionArena arena = RegionArena.builder(pool).shared(true).chunkBytes(64L << 10).build();
            Buffer hog = pool.acquire(128L << 10);                   // all of the pool
            CompletableFuture<MemorySegment> waiting = CompletableFuture.supplyAsync(() -> arena.allocate(1024));
            Thread.sleep(100);                                          // let it reach the pool's wait
            Thread reset = Thread.ofPlatform().start(arena::reset);
            reset.join(30_000);
            assertFalse(reset.isAlive(), "reset waited behind the allocation");
            assertFalse(waiting.isDone(), "the allocation is still waiting for memory");
            hog.close();
            assertEquals(1024, waiting.get().byteSize());
            arena.close();
            pool.checkNoLeases();
        }
    }

    @Test
    void aDroppedLongLivedAllocationIsReportedAndItsMemoryComesBackWhenNothingCanReachIt() throws Exception {
        try (MemoryManager memory = MemoryManager.builder().limitBytes(256L << 20).build()) {
            long before = memory.budget().used();
            assertEquals(Allocation.Strategy.DEDICATED, memory.allocate(8L << 20, Lifetime.LONG_LIVED).strategy());
            assertTrue(memory.budget().used() >= before + (8L << 20));
            for (int i = 0; i < 200 && memory.budget().used() > before; i++) {
                System.gc();
                Thread.sleep(10);
            }
            assertEquals(before, memory.budget().used());

            MemorySegment kept = memory.allocate(8L << 20, Lifetime.LONG_LIVED).segment(); // owner dropped, view kept
            kept.fill((byte) 7);
            for (int i = 0; i < 20; i++) {
                System.gc();
                Thread.sleep(10);
            }
            assertEquals(7, kept.get(java.lang.foreign.ValueLayout.JAVA_BYTE, (8L << 20) - 1), "never freed under a view");
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
