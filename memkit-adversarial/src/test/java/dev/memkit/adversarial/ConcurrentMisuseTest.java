package dev.memkit.adversarial;

import dev.memkit.arena.RegionArena;
import dev.memkit.buffer.Buffer;
import dev.memkit.buffer.BufferPool;
import dev.memkit.pool.BoundedPool;
import dev.memkit.pool.Lease;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Public types misused from several threads at once: racing releases, closes during use, resets during use. */
class ConcurrentMisuseTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"long-map", "bytes-map", "long-array", "byte-array"})
    void closingAStructureWhileOtherThreadsUseItNeverCrashes(String kind) throws Exception {
        ChildJvm.Result r = ChildJvm.run(CloseWhileInUseScenarios.class,
                List.of("--enable-native-access=ALL-UNNAMED"), kind, "40");
        assertFalse(r.crashed(), r.output());
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("OK"), r.output());
    }

    /** Closes {@code resource} from two threads at once; returns how many closes succeeded (the rest threw ISE). */
    private static int closeFromTwoThreads(AutoCloseable resource) {
        AtomicInteger ok = new AtomicInteger();
        CyclicBarrier both = new CyclicBarrier(2);
        Runnable close = () -> {
            try {
                both.await();
                resource.close();
                ok.incrementAndGet();
            } catch (IllegalStateException loser) {
                // the second close
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        CompletableFuture.allOf(CompletableFuture.runAsync(close), CompletableFuture.runAsync(close)).join();
        return ok.get();
    }

    @Test
    void racingReleasesOfOneBufferSucceedExactlyOnce() {
        try (BufferPool pool = BufferPool.builder().build()) {
            for (int i = 0; i < 500; i++) {
                assertEquals(1, closeFromTwoThreads(pool.acquire(1000)));
            }
            pool.checkNoLeases();
        }
    }

    @Test
    void racingReleasesOfOneObjectLeaseSucceedExactlyOnce() throws Exception {
        try (BoundedPool<StringBuilder> pool = BoundedPool.builder(StringBuilder::new).capacity(2).build()) {
            for (int i = 0; i < 500; i++) {
                Lease<StringBuilder> lease = pool.acquire();
                assertEquals(1, closeFromTwoThreads(lease));
            }
            assertEquals(0, pool.stats().leased());
        }
    }

    @Test
    void aPoolClosedWhileOtherThreadsAcquireRefusesNewLeasesAndKeepsOldOnesValid() throws Exception {
        BufferPool pool = BufferPool.builder().build();
        Buffer held = pool.acquire(4096);
        held.putLong(0, 42);
        AtomicInteger refused = new AtomicInteger();
        CompletableFuture<Void> churn = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 1_000_000; i++) {
                try (Buffer b = pool.acquire(1 + i % 70_000)) {
                    b.putByte(0, (byte) i);
                } catch (IllegalStateException closed) {
                    refused.incrementAndGet();
                    return;
                }
            }
        });
        Thread.sleep(20);
        pool.close();
        churn.join();
        assertThrows(IllegalStateException.class, () -> pool.acquire(10));
        assertEquals(42, held.getLong(0));
        held.close();
        assertEquals(0, pool.stats().leasedCount());
    }

    @Test
    void segmentsOfASharedArenaRoundResetUnderTheirUsersThrowAndNeverReadTheNextRound() throws Exception {
        try (BufferPool pool = BufferPool.builder().build();
             RegionArena arena = RegionArena.shared(pool)) {
            for (int round = 0; round < 50; round++) {
                MemorySegment mine = arena.allocate(ValueLayout.JAVA_LONG);
                long stamp = 1_000 + round;
                mine.set(ValueLayout.JAVA_LONG, 0, stamp);
                CompletableFuture<String> user = CompletableFuture.supplyAsync(() -> {
                    try {
                        for (int i = 0; i < 100_000; i++) {
                            long v = mine.get(ValueLayout.JAVA_LONG, 0);
                            if (v != stamp) {
                                return "read " + v + " instead of " + stamp;
                            }
                        }
                        return "";
                    } catch (IllegalStateException reset) {
                        return "";
                    }
                });
                arena.reset();
                arena.allocate(ValueLayout.JAVA_LONG).set(ValueLayout.JAVA_LONG, 0, -1); // the next round's data
                assertEquals("", user.join());
                assertThrows(IllegalStateException.class, () -> mine.get(ValueLayout.JAVA_LONG, 0));
            }
        }
    }
}
