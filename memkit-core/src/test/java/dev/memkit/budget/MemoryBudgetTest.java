package dev.memkit.budget;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryBudgetTest {
    private static final long MIB = 1L << 20;

    @Test
    void aChildNeverExceedsItsOwnOrAnAncestorsLimit() {
        MemoryBudget root = MemoryBudget.root("p", 100 * MIB);
        MemoryBudget a = root.child("a", 60 * MIB);
        MemoryBudget b = root.child("b", 80 * MIB);
        assertTrue(a.tryReserve(60 * MIB));
        assertFalse(a.tryReserve(1), "own limit");
        assertTrue(b.tryReserve(40 * MIB));
        assertFalse(b.tryReserve(1), "root limit, though b has room");
        assertEquals(100 * MIB, root.used());
        a.release(60 * MIB);
        b.release(40 * MIB);
        assertEquals(0, root.used());
        assertEquals(2, a.refusals() + b.refusals());
    }

    @Test
    void guaranteesAreSetAsideFromSiblings() {
        MemoryBudget root = MemoryBudget.root("p", 100 * MIB);
        MemoryBudget ingest = root.child("ingest", 80 * MIB, 30 * MIB, true);
        MemoryBudget cache = root.child("cache", 100 * MIB);
        assertEquals(30 * MIB, root.used(), "guarantee charged at creation");
        assertFalse(cache.tryReserve(71 * MIB), "the guarantee is not available to siblings");
        assertTrue(cache.tryReserve(70 * MIB));
        assertTrue(ingest.tryReserve(30 * MIB), "within its guarantee, even with the root full");
        assertFalse(ingest.tryReserve(1));
        ingest.release(30 * MIB);
        cache.release(70 * MIB);
        assertEquals(30 * MIB, root.used());
        assertThrows(BudgetExceededException.class, () -> root.child("greedy", 90 * MIB, 71 * MIB, false));
    }

    @Test
    void refusalNamesPathRequestUsageAndLimit() {
        MemoryBudget root = MemoryBudget.root("process", 10 * MIB, Duration.ZERO);
        MemoryBudget child = root.child("buffers", 8 * MIB);
        child.tryReserve(6 * MIB);
        BudgetExceededException e = assertThrows(BudgetExceededException.class, () -> child.reserve(4 * MIB));
        assertTrue(e.getMessage().contains("process/buffers"), e.getMessage());
        assertTrue(e.getMessage().contains("4 MiB") && e.getMessage().contains("6 MiB")
                && e.getMessage().contains("8 MiB"), e.getMessage());
        assertEquals("process/buffers", e.budgetPath());
        BudgetExceededException never = assertThrows(BudgetExceededException.class, () -> child.reserve(9 * MIB));
        assertTrue(never.getMessage().contains("larger than the limit"), never.getMessage());
        child.release(6 * MIB);
    }

    @Test
    void aWaitingReservationIsGrantedByARelease() throws Exception {
        MemoryBudget root = MemoryBudget.root("p", 10 * MIB, Duration.ofSeconds(30));
        MemoryBudget.Reservation held = root.reserve(10 * MIB);
        CompletableFuture<Long> waiter = CompletableFuture.supplyAsync(() -> {
            try (MemoryBudget.Reservation r = root.reserve(5 * MIB)) {
                return r.bytes();
            }
        }, r -> Thread.ofPlatform().start(r));
        Thread.sleep(50);
        held.close();
        assertEquals(5 * MIB, waiter.get(30, TimeUnit.SECONDS));
        assertEquals(0, root.used());
        assertThrows(IllegalStateException.class, held::close, "double release fails loudly");
    }

    @Test
    void openBreakerRefusesNonCriticalBudgetsOnly() {
        MemoryBudget root = MemoryBudget.root("p", 100 * MIB);
        MemoryBudget cache = root.child("cache", 50 * MIB);
        MemoryBudget wal = root.child("wal", 50 * MIB, 0, true);
        root.setBreakerOpen(true);
        assertFalse(cache.tryReserve(1));
        BudgetExceededException e = assertThrows(BudgetExceededException.class, () -> cache.reserve(1));
        assertTrue(e.getMessage().contains("circuit breaker"), e.getMessage());
        assertTrue(wal.tryReserve(MIB));
        root.setBreakerOpen(false);
        assertTrue(cache.tryReserve(1));
        cache.release(1);
        wal.release(MIB);
    }

    @Test
    void badInputIsRejected() {
        MemoryBudget root = MemoryBudget.root("p", MIB);
        assertThrows(IllegalArgumentException.class, () -> MemoryBudget.root("p", 0));
        assertThrows(IllegalArgumentException.class, () -> root.child("a/b", 1));
        assertThrows(IllegalArgumentException.class, () -> root.child(" ", 1));
        assertThrows(IllegalArgumentException.class, () -> root.tryReserve(-1));
        assertThrows(IllegalArgumentException.class, () -> root.child("x", 10, 11, false));
        assertThrows(IllegalStateException.class, () -> root.release(1), "release more than reserved");
        assertEquals(0, root.used());
    }
}
