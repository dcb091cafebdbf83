package dev.memkit.arena;

import dev.memkit.buffer.BufferPool;
import dev.memkit.leak.LeakDetection;
import dev.memkit.buffer.PoolExhaustedException;
import dev.memkit.testing.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every RegionArena variant must do; each subclass runs it against one configuration. */
abstract class RegionArenaContract {
    @RegisterExtension
    final LeakCheck leakCheck = new LeakCheck();

    abstract RegionArena.Builder configure(RegionArena.Builder b);

    abstract boolean zeroing();

    /** Whether the variant under test is shared. */
    abstract boolean shared();

    BufferPool pool() {
        return leakCheck.track(BufferPool.builder().name("arena-test").leakDetection(LeakDetection.SAMPLED)
                .acquireTimeout(Duration.ZERO).build());
    }

    RegionArena arena(BufferPool pool) {
        return configure(RegionArena.builder(pool).chunkBytes(16 << 10)).build();
    }

    @Test
    void allocationsHaveTheirSizeAndAlignment() {
        try (RegionArena a = arena(pool())) {
            for (long align : new long[] {1, 2, 8, 16, 64, 256, 4096}) {
                for (long size : new long[] {0, 1, 7, 64, 1000, 9000}) {
                    MemorySegment s = a.allocate(size, align);
                    assertEquals(size, s.byteSize());
                    assertEquals(0, s.address() % align, "aligned to " + align);
                }
            }
        }
    }

    @Test
    void contentsAreWrittenAndReadBackAndZeroedWhenAsked() {
        BufferPool pool = pool();
        try (RegionArena dirty = RegionArena.builder(pool).zeroing(false).build()) {
            dirty.allocate(8192).fill((byte) 0x5A); // leave garbage in the pool's chunk
        }
        try (RegionArena a = arena(pool)) {
            MemorySegment s = a.allocate(8192);
            if (zeroing()) {
                for (long i = 0; i < s.byteSize(); i++) {
                    assertEquals(0, s.get(ValueLayout.JAVA_BYTE, i), "zeroed at " + i);
                }
            }
            MemorySegment text = a.allocateFrom("héllo");
            assertEquals("héllo", text.getString(0));
            MemorySegment ints = a.allocateFrom(ValueLayout.JAVA_INT, 1, 2, 3);
            assertArrayEquals(new int[] {1, 2, 3}, ints.toArray(ValueLayout.JAVA_INT));
            MemorySegment one = a.allocate(ValueLayout.JAVA_LONG);
            one.set(ValueLayout.JAVA_LONG, 0, 42);
            assertEquals(42, one.get(ValueLayout.JAVA_LONG, 0));
        }
    }

    @Test
    void aSegmentFromBeforeResetCannotBeUsed() {
        try (RegionArena a = arena(pool())) {
            MemorySegment before = a.allocate(64);
            MemorySegment big = a.allocate(100_000); // a dedicated block
            a.reset();
            assertThrows(IllegalStateException.class, () -> before.get(ValueLayout.JAVA_BYTE, 0));
            assertThrows(IllegalStateException.class, () -> big.set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
            MemorySegment after = a.allocate(64);
            after.set(ValueLayout.JAVA_LONG, 0, 7);
            assertEquals(7, after.get(ValueLayout.JAVA_LONG, 0));
        }
    }

    @Test
    void aSegmentFromBeforeCloseCannotBeUsedAndTheArenaRefuses() {
        BufferPool pool = pool();
        RegionArena a = arena(pool);
        MemorySegment s = a.allocate(64);
        a.close();
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.allocate(8));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, a::reset);
        a.close(); // idempotent
        assertEquals(0, pool.stats().leasedCount(), "every chunk returned to the pool");
    }

    @Test
    void useAfterResetIsDetectedFromAnotherThreadToo() throws Exception {
        try (RegionArena a = arena(pool())) {
            MemorySegment s = a.allocate(64);
            a.reset();
            Throwable t = onOtherThread(() -> s.get(ValueLayout.JAVA_BYTE, 0));
            // A shared round, once closed, is closed for everyone (IllegalStateException). A confined round was
            // never open to other threads: the JDK checks the owner first and throws WrongThreadException.
            assertTrue(shared() ? t instanceof IllegalStateException : t instanceof WrongThreadException,
                    String.valueOf(t));
        }
    }

    @Test
    void badInputIsRejected() {
        try (RegionArena a = arena(pool())) {
            assertThrows(IllegalArgumentException.class, () -> a.allocate(-1, 1));
            assertThrows(IllegalArgumentException.class, () -> a.allocate(8, 3));
            assertThrows(IllegalArgumentException.class, () -> a.allocate(8, 0));
            assertThrows(IllegalArgumentException.class, () -> a.allocate(8, -8));
        }
        assertThrows(IllegalArgumentException.class, () -> RegionArena.builder(pool()).chunkBytes(10));
        assertThrows(IllegalArgumentException.class, () -> RegionArena.builder(pool()).retainedChunks(-1));
    }

    @Test
    void statsTrackRoundsChunksAndWaste() {
        BufferPool pool = pool();
        try (RegionArena a = arena(pool)) {
            for (int i = 0; i < 100; i++) {
                a.allocate(1000, 8);
            }
            RegionArenaStats st = a.stats();
            assertEquals(100_000, st.allocatedBytes());
            assertTrue(st.chunksHeld() >= 7, st.toString());
            assertEquals(pool.stats().leasedCount(), st.chunksHeld());
            a.reset();
            st = a.stats();
            assertEquals(0, st.allocatedBytes());
            assertEquals(1, st.resets());
            assertEquals(100_000, st.highWaterBytes());
            assertEquals(100_000, st.totalAllocatedBytes());
            assertTrue(st.wasteAtResetBytes() > 0);
            assertEquals(2, st.chunksHeld(), "two chunks retained for the next round");
        }
    }

    @Test
    void theOnlyFailureIsThePoolLimitReportedClearly() {
        BufferPool small = leakCheck.track(BufferPool.builder().limitBytes(64 << 10).acquireTimeout(Duration.ZERO)
                .threadCacheBytes(0).build());
        try (RegionArena a = configure(RegionArena.builder(small).chunkBytes(16 << 10)).build()) {
            PoolExhaustedException e = assertThrows(PoolExhaustedException.class, () -> {
                for (int i = 0; i < 100; i++) {
                    a.allocate(10_000);
                }
            });
            assertTrue(e.getMessage().contains("64 KiB"), e.getMessage());
        }
    }

    static Throwable onOtherThread(Runnable r) throws InterruptedException, java.util.concurrent.TimeoutException {
        try {
            CompletableFuture.runAsync(r, x -> Thread.ofPlatform().start(x)).get(10, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }
}
