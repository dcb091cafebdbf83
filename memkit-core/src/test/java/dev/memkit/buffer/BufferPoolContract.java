package dev.memkit.buffer;

import dev.memkit.testing.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The behaviour every {@link BufferPool} configuration must have. Each subclass runs the whole suite against one
 * configuration (thread caches on/off, leak modes, class presets).
 */
abstract class BufferPoolContract {
    @RegisterExtension
    final LeakCheck leakCheck = new LeakCheck();

    /** The configuration under test; tests add their own limits and timeouts on top. */
    abstract BufferPoolBuilder configure(BufferPoolBuilder builder);

    BufferPool pool() {
        return pool(builder -> builder);
    }

    BufferPool pool(java.util.function.UnaryOperator<BufferPoolBuilder> extra) {
        return leakCheck.track(extra.apply(configure(BufferPool.builder().name(getClass().getSimpleName())))
                .build());
    }

    @Test
    void leaseHasExactlyTheRequestedSize() {
        BufferPool pool = pool();
        for (long size : new long[] {1, 15, 16, 17, 1000, 1024, 100_000, 1 << 20, (16 << 20) + 1}) {
            try (Buffer b = pool.acquire(size)) {
                assertEquals(size, b.size());
                assertEquals(size, b.segment().byteSize());
                ByteBuffer bb = b.byteBuffer();
                assertEquals(size, bb.capacity());
                assertEquals(0, bb.position());
                assertTrue(bb.isDirect());
            }
        }
    }

    @Test
    void writesAreReadBackThroughEveryView() {
        BufferPool pool = pool();
        try (Buffer b = pool.acquire(64)) {
            b.putLong(0, 0x1122334455667788L);
            b.putInt(8, 42);
            b.putByte(63, (byte) 7);
            b.write(20, new byte[] {1, 2, 3}, 0, 3);
            assertEquals(0x1122334455667788L, b.getLong(0));
            assertEquals(42, b.segment().get(ValueLayout.JAVA_INT_UNALIGNED, 8));
            assertEquals(7, b.byteBuffer().get(63));
            byte[] back = new byte[3];
            b.read(20, back, 0, 3);
            assertArrayEquals(new byte[] {1, 2, 3}, back);
            b.fill((byte) 9);
            assertEquals(9, b.getByte(0));
        }
    }

    @Test
    void eachLeasesByteBufferCoversItsOwnBlockOnly() {
        BufferPool pool = pool();
        try (Buffer a = pool.acquire(1000); Buffer b = pool.acquire(1000)) {
            a.fill((byte) 1);
            b.fill((byte) 2);
            ByteBuffer va = a.byteBuffer();
            ByteBuffer vb = b.byteBuffer();
            assertEquals(java.nio.ByteOrder.BIG_ENDIAN, va.order());
            assertEquals(1000, va.limit());
            vb.put(0, (byte) 9).put(999, (byte) 8);
            assertEquals(9, b.getByte(0));
            assertEquals(8, b.getByte(999));
            assertEquals(1, a.getByte(0), "another lease's view never reaches this block");
            assertEquals(1, a.getByte(999));
            assertEquals(1, va.get(999));
            assertThrows(IndexOutOfBoundsException.class, () -> vb.get(1000));
        }
    }

    @Test
    void accessOutsideTheLeaseIsRefused() {
        BufferPool pool = pool();
        try (Buffer b = pool.acquire(10)) {
            assertThrows(IndexOutOfBoundsException.class, () -> b.getByte(10));
            assertThrows(IndexOutOfBoundsException.class, () -> b.getLong(3));
            assertThrows(IndexOutOfBoundsException.class, () -> b.putInt(-1, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> b.write(8, new byte[4], 0, 4));
            assertThrows(IndexOutOfBoundsException.class, () -> b.read(0, new byte[4], 2, 4));
            assertThrows(IndexOutOfBoundsException.class, () -> b.segment().get(ValueLayout.JAVA_BYTE, 10));
        }
    }

    @Test
    void releasedLeaseRefusesEveryAccess() {
        BufferPool pool = pool();
        Buffer b = pool.acquire(100);
        b.close();
        assertTrue(b.isReleased());
        assertThrows(IllegalStateException.class, () -> b.getByte(0));
        assertThrows(IllegalStateException.class, () -> b.putLong(0, 1));
        assertThrows(IllegalStateException.class, b::segment);
        assertThrows(IllegalStateException.class, b::byteBuffer);
        assertThrows(IllegalStateException.class, () -> b.fill((byte) 0));
        assertThrows(IllegalStateException.class, () -> b.write(0, new byte[1], 0, 1));
    }

    @Test
    void staleLeaseNeverSeesTheNextHoldersData() {
        BufferPool pool = pool();
        Buffer first = pool.acquire(128);
        first.close();
        try (Buffer second = pool.acquire(128)) {
            second.putLong(0, 99);
            assertThrows(IllegalStateException.class, () -> first.getLong(0));
            assertThrows(IllegalStateException.class, () -> first.putLong(0, 1));
            assertEquals(99, second.getLong(0));
        }
    }

    @Test
    void doubleReleaseFailsLoudly() {
        BufferPool pool = pool();
        Buffer b = pool.acquire(100);
        b.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, b::close);
        assertTrue(e.getMessage().contains("released twice"), e.getMessage());
        assertEquals(0, pool.stats().leasedCount(), "a double release must not corrupt the counts");
    }

    @Test
    void badSizesAreRejected() {
        BufferPool pool = pool();
        assertThrows(IllegalArgumentException.class, () -> pool.acquire(0));
        assertThrows(IllegalArgumentException.class, () -> pool.acquire(-1));
        assertThrows(IllegalArgumentException.class, () -> pool.tryAcquire(Long.MIN_VALUE));
        IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
                () -> pool.acquire(Long.MAX_VALUE, Duration.ZERO));
        assertTrue(tooBig.getMessage().contains("16 GiB"), tooBig.getMessage());
        BufferPool small = pool(p -> p.limitBytes(64L << 20));
        PoolExhaustedException e = assertThrows(PoolExhaustedException.class,
                () -> small.acquire(1L << 30, Duration.ZERO));
        assertTrue(e.getMessage().contains("can never fit"), e.getMessage());
        assertTrue(small.tryAcquire(1L << 30).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> pool.acquire(1, Duration.ofSeconds(-1)));
    }

    @Test
    void closedPoolRefusesAcquisitionsButHonoursOutstandingLeases() {
        BufferPool pool = pool();
        Buffer b = pool.acquire(1000);
        pool.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.acquire(1));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        b.putInt(0, 5);
        assertEquals(5, b.getInt(0));
        b.close();
        assertEquals(0, pool.stats().reservedBytes(), "memory of late releases is freed after close");
        pool.close();
    }

    @Test
    void requestsAboveTheLargestClassAreServedAndFreedOnRelease() {
        BufferPool pool = pool();
        long size = pool.sizeClasses().largest() + 12345;
        Buffer b = pool.acquire(size);
        b.putByte(size - 1, (byte) 1);
        BufferPoolStats st = pool.stats();
        assertEquals(1, st.hugeLeasedCount());
        assertTrue(st.reservedBytes() >= size);
        assertEquals(st.reservedBytes(), pool.reservedBytes(), "the cheap figure is the stats' figure");
        assertEquals(size, st.leasedBytes());
        b.close();
        assertEquals(0, pool.stats().reservedBytes());
        assertEquals(0, pool.reservedBytes());
        assertEquals(0, pool.stats().leasedCount());
    }

    @Test
    void statsCountLeasesHitsAndMisses() {
        BufferPool pool = pool();
        Buffer a = pool.acquire(1000);
        Buffer b = pool.acquire(3000);
        BufferPoolStats st = pool.stats();
        assertEquals(2, st.leasedCount());
        assertEquals(4000, st.leasedBytes());
        assertEquals(2, st.acquires());
        assertTrue(st.reservedBytes() >= 4000);
        assertTrue(st.fragmentation() >= 1.0);
        a.close();
        b.close();
        try (Buffer again = pool.acquire(1000)) {
            assertEquals(1000, again.size());
        }
        st = pool.stats();
        assertEquals(0, st.leasedCount());
        assertEquals(0, st.leasedBytes());
        assertEquals(3, st.acquires());
        assertTrue(st.hits() >= 1, "the third acquire reuses a block: " + st);
        assertEquals(st.acquires(), st.hits() + st.misses());
        assertTrue(Double.isNaN(st.fragmentation()));
        assertTrue(st.idleBytes() > 0);
    }

    @Test
    void releaseOnAnotherThreadIsCounted() throws Exception {
        BufferPool pool = pool();
        pool.acquire(4096).close();
        assertEquals(0, pool.stats().crossThreadReleases(), "a same-thread release is never counted");
        // Threads are told apart by a 9-bit tag: with 8 releasing threads, all colliding is ~1e-22.
        for (int i = 0; i < 8; i++) {
            Buffer b = pool.acquire(4096);
            CompletableFuture.runAsync(b::close, r -> Thread.ofPlatform().start(r)).get(10, TimeUnit.SECONDS);
        }
        assertTrue(pool.stats().crossThreadReleases() >= 1, pool.stats().toString());
        assertEquals(0, pool.stats().leasedCount());
    }

    @Test
    void atTheLimitTryAcquireIsEmptyAndAcquireTimesOutNamingTheLimit() {
        BufferPool pool = pool(p -> p.limitBytes(4L << 20).acquireTimeout(Duration.ofMillis(50)));
        List<Buffer> held = new ArrayList<>();
        Optional<Buffer> next;
        while ((next = pool.tryAcquire(1 << 20)).isPresent()) {
            held.add(next.get());
            assertTrue(held.size() <= 4, "never more than the limit");
        }
        assertTrue(pool.stats().reservedBytes() <= 4L << 20);
        PoolExhaustedException e = assertThrows(PoolExhaustedException.class, () -> pool.acquire(1 << 20));
        assertTrue(e.getMessage().contains("4 MiB"), e.getMessage());
        assertTrue(e.getMessage().contains("1 MiB"), e.getMessage());
        assertEquals(1 << 20, e.requestedBytes());
        assertEquals(4L << 20, e.limitBytes());
        held.forEach(Buffer::close);
        pool.acquire(1 << 20).close();
    }

    @Test
    void idleMemoryOfOtherClassesIsReclaimedBeforeRefusing() {
        BufferPool pool = pool(p -> p.limitBytes(4L << 20).acquireTimeout(Duration.ZERO).idleTimeout(Duration.ZERO));
        List<Buffer> small = new ArrayList<>();
        Optional<Buffer> next;
        while ((next = pool.tryAcquire(30_000)).isPresent()) {
            small.add(next.get());
        }
        assertTrue(small.size() >= 10, "30 KB buffers fill the 4 MiB limit: " + small.size());
        small.forEach(Buffer::close);
        // The 30 KB class's idle slabs must make room for a class it never used.
        try (Buffer a = pool.acquire(1L << 20); Buffer b = pool.acquire(1L << 20)) {
            assertEquals(2L << 20, a.size() + b.size());
        }
    }

    @Test
    void waitingAcquireIsServedByAReleaseOnAnotherThread() throws Exception {
        BufferPool pool = pool(p -> p.limitBytes(1L << 20).acquireTimeout(Duration.ofSeconds(30)));
        Buffer held = pool.acquire(1L << 20);
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<Long> waiter = CompletableFuture.supplyAsync(() -> {
            waiting.countDown();
            try (Buffer b = pool.acquire(1L << 20)) {
                return b.size();
            }
        }, r -> Thread.ofPlatform().start(r));
        waiting.await();
        held.close();
        assertEquals(1L << 20, waiter.get(30, TimeUnit.SECONDS));
    }

    @Test
    void interruptedWaiterGetsAClearExceptionAndKeepsItsFlag() throws Exception {
        BufferPool pool = pool(p -> p.limitBytes(1L << 20).acquireTimeout(Duration.ofSeconds(30)));
        try (Buffer held = pool.acquire(1L << 20)) {
            assertEquals(1L << 20, held.size());
            CompletableFuture<String> result = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    pool.acquire(1L << 20).close();
                    result.complete("acquired");
                } catch (PoolExhaustedException e) {
                    result.complete(e.getMessage() + " flag=" + Thread.currentThread().isInterrupted());
                }
            });
            t.interrupt();
            String outcome = result.get(30, TimeUnit.SECONDS);
            assertTrue(outcome.contains("interrupted") && outcome.endsWith("flag=true"), outcome);
        }
    }

    @Test
    void scrubOnReleaseZeroesTheBlock() {
        BufferPool pool = pool(p -> p.scrubOnRelease(true));
        try (Buffer b = pool.acquire(256)) {
            b.fill((byte) 0x5A);
        }
        try (Buffer b = pool.acquire(256)) {
            for (int i = 0; i < 256; i++) {
                assertEquals(0, b.getByte(i), "byte " + i);
            }
        }
    }

    @Test
    void trimReturnsIdleMemory() {
        BufferPool pool = pool(p -> p.idleTimeout(Duration.ZERO));
        List<Buffer> held = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            held.add(pool.acquire(100_000 + i * 1000L));
        }
        long before = pool.stats().reservedBytes();
        held.forEach(Buffer::close);
        long freed = pool.trim(0);
        assertTrue(freed > 0);
        assertEquals(before - freed, pool.stats().reservedBytes());
        assertEquals(0, pool.stats().reservedBytes(), "nothing leased: every slab is idle");
    }

    @Test
    void segmentViewCannotOutliveTheClosedPoolsMemory() {
        BufferPool pool = pool(p -> p.idleTimeout(Duration.ZERO));
        MemorySegment raw;
        try (Buffer b = pool.acquire(1000)) {
            raw = b.segment();
        }
        pool.close();
        // The slab is freed: a stale raw view fails cleanly instead of touching freed memory.
        assertThrows(IllegalStateException.class, () -> raw.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void checkNoLeasesNamesTheOutstandingLease() {
        BufferPool pool = pool();
        Buffer b = pool.acquire(777);
        IllegalStateException e = assertThrows(IllegalStateException.class, pool::checkNoLeases);
        assertTrue(e.getMessage().contains("1 unreleased buffer"), e.getMessage());
        b.close();
        pool.checkNoLeases();
        assertFalse(b.toString().isEmpty());
    }
}
