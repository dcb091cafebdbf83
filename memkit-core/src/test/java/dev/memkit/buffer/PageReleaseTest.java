package dev.memkit.buffer;

import dev.memkit.leak.LeakReport;
import dev.memkit.internal.PageRelease;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Page release and the page heap: only whole pages inside the asked range read as zero afterwards, freed runs serve
 * requests of any class with their resident pages, idle pages go back to the OS within the allowance, and the limit
 * counts resident pages, not mappings.
 */
class PageReleaseTest {
    private static final long MIB = 1L << 20;

    @Test
    void isAvailableOnLinuxWhenNativeAccessIsGranted() {
        boolean linux = System.getProperty("os.name", "").startsWith("Linux");
        assertEquals(linux && PageRelease.class.getModule().isNativeAccessEnabled(), PageRelease.available());
    }

    @Test
    void releasesOnlyWholePagesInsideTheRange() {
        assumeTrue(PageRelease.available());
        long page = PageRelease.PAGE;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(8 * page, page);
            m.fill((byte) 7);
            long released = PageRelease.release(m, page / 2, 5 * page + 10);
            assertEquals(4 * page, released, "pages 1-4: the partial first and last pages are kept");
            assertEquals(7, m.get(ValueLayout.JAVA_BYTE, page - 1));
            assertEquals(0, m.get(ValueLayout.JAVA_BYTE, page));
            assertEquals(0, m.get(ValueLayout.JAVA_BYTE, 5 * page - 1));
            assertEquals(7, m.get(ValueLayout.JAVA_BYTE, 5 * page));
            assertEquals(0, PageRelease.release(m, 10, page + 10), "no whole page inside");
            m.set(ValueLayout.JAVA_LONG, 2 * page, 42); // released pages stay usable
            assertEquals(42, m.get(ValueLayout.JAVA_LONG, 2 * page));
        }
    }

    @Test
    void anonymousMappingsAreUntouchedUntilUsedAndGoWithTheirArena() throws IOException {
        assumeTrue(PageRelease.available() && Files.exists(Path.of("/proc/self/status")));
        Arena arena = Arena.ofShared();
        long before = residentBytes();
        MemorySegment m = PageRelease.mapAnonymous(256 * MIB + 5, arena);
        assertTrue(m != null && m.byteSize() == 256 * MIB + 5);
        assertEquals(0, m.address() % PageRelease.PAGE);
        assertTrue(residentBytes() - before < 32 * MIB, "mapping 256 MiB touches none of it");
        m.set(ValueLayout.JAVA_LONG, 256 * MIB - 8, 7);
        assertEquals(7, m.get(ValueLayout.JAVA_LONG, 256 * MIB - 8));
        assertEquals(0, m.get(ValueLayout.JAVA_BYTE, 256 * MIB + 4), "fresh pages read as zero");
        arena.close();
        assertThrows(IllegalStateException.class, () -> m.get(ValueLayout.JAVA_BYTE, 0), "unmapped with its arena");
    }

    @Test
    void idleRunsStayResidentUntilDecayAndThenGiveTheirPagesBack() throws IOException {
        assumeTrue(PageRelease.available() && Files.exists(Path.of("/proc/self/status")));
        try (BufferPool pool = BufferPool.builder().retainedBytes(0).maxIdleBytes(1L << 40)
                .idleTimeout(Duration.ZERO).build()) {
            List<Buffer> held = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                Buffer b = pool.acquire(8 * MIB);
                b.fill((byte) 1);
                held.add(b);
            }
            assertEquals(192 * MIB, pool.stats().reservedBytes(), "the limit counts the pages leased");
            held.forEach(Buffer::close);
            assertEquals(192 * MIB, pool.pageHeap.idleBytes(), "within the recent peak's allowance");
            assertEquals(192 * MIB, pool.stats().idleBytes());
            int chunks = pool.pageHeap.chunkCount();
            long before = residentBytes();
            pool.pageHeap.decay(true); // what the scavenger does over a few passes
            long after = residentBytes();
            assertEquals(0, pool.pageHeap.idleBytes());
            assertEquals(0, pool.stats().reservedBytes(), "purged pages no longer count against the limit");
            assertEquals(chunks, pool.pageHeap.chunkCount(), "the mappings are kept for reuse");
            assertTrue(before - after >= 96 * MIB, "RSS fell by " + (before - after) / MIB + " MiB of 192 MiB idle");
            for (int i = 0; i < 24; i++) { // purged pages serve new leases like any other
                Buffer b = pool.acquire(8 * MIB);
                assertEquals(0, b.getByte(0), "a purged page reads as zero");
                b.putLong(8 * MIB - 8, i);
                held.set(i, b);
            }
            for (int i = 0; i < 24; i++) {
                assertEquals(i, held.get(i).getLong(8 * MIB - 8));
                held.get(i).close();
            }
            pool.checkNoLeases();
            pool.trim(0);
            assertEquals(0, pool.pageHeap.chunkCount(), "trim(0) unmaps every chunk without a lease");
        }
    }

    @Test
    void aFreedRunServesARequestOfAnotherClassWithItsResidentPages() {
        assumeTrue(PageRelease.available());
        try (BufferPool pool = BufferPool.builder().retainedBytes(0).idleTimeout(Duration.ZERO).build()) {
            Buffer a = pool.acquire(2 * MIB);
            Buffer b = pool.acquire(3 * MIB);
            Buffer c = pool.acquire(1 * MIB + 1);
            a.fill((byte) 3);
            b.fill((byte) 4);
            c.fill((byte) 5);
            long reserved = pool.stats().reservedBytes();
            assertEquals(6 * MIB + PageRelease.PAGE, reserved, "each lease holds its whole pages, no class rounding");
            a.close();
            b.close(); // merges with a's run: 5 MiB free at the start of the chunk
            long hits = pool.stats().hits();
            try (Buffer d = pool.acquire(5 * MIB)) {
                assertEquals(reserved, pool.stats().reservedBytes(), "served by the freed pages, none faulted");
                assertEquals(hits + 1, pool.stats().hits());
                assertEquals(3, d.getByte(0), "the freed runs' own pages, not fresh ones");
                assertEquals(4, d.getByte(5 * MIB - 1));
                assertEquals(5, c.getByte(0), "the neighbour is untouched");
                assertEquals(1, pool.stats().classes().stream().filter(k -> k.leasedCount() == 1
                        && k.leasedBytes() == 5 * MIB).count());
            }
            c.close();
            pool.checkNoLeases();
        }
    }

    @Test
    void idleRunsStayResidentUpToTheRecentPeakAndRisingDemandPurgesTheExcess() {
        assumeTrue(PageRelease.available());
        try (BufferPool pool = BufferPool.builder().retainedBytes(0).idleTimeout(Duration.ZERO).build()) {
            PageHeap heap = pool.pageHeap;
            List<Buffer> held = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Buffer b = pool.acquire(4 * MIB);
                b.fill((byte) 1);
                held.add(b);
            }
            assertEquals(32 * MIB, heap.highWaterBytes());
            held.forEach(Buffer::close);
            held.clear();
            assertEquals(32 * MIB, heap.idleBytes(), "demand fell below its peak: all kept");
            try (Buffer again = pool.acquire(4 * MIB)) {
                assertEquals(28 * MIB, heap.idleBytes(), "resident pages were reused");
                assertEquals(1, again.getByte(4 * MIB - 1), "its old pages, not fresh zero ones");
            }
            // A chunk's worth of new demand beyond the idle pages: resident memory must stay within the allowance.
            for (int i = 0; i < 10; i++) {
                Buffer b = pool.acquire(6 * MIB);
                b.fill((byte) 2);
                held.add(b);
            }
            long demand = heap.leasedBytes();
            long peak = heap.highWaterBytes();
            assertEquals(60 * MIB, demand);
            assertTrue(heap.idleBytes() <= Math.max(0, peak + peak / 12 - demand),
                    "resident idle " + heap.idleBytes() / MIB + " MiB over the allowance");
            held.forEach(Buffer::close);
            heap.decay(false);
            assertEquals(30 * MIB, heap.highWaterBytes(), "half way from the peak (60 MiB) to the demand (0)");
            assertTrue(heap.idleBytes() <= 30 * MIB + 30 * MIB / 12);
            pool.trim(0);
            assertEquals(0, heap.highWaterBytes(), "trim forgets the peak");
            assertEquals(0, heap.idleBytes());
            assertEquals(0, pool.stats().reservedBytes());
            pool.checkNoLeases();
        }
    }

    @Test
    void theIdleHeadroomSetsHowMuchIdleMemoryStaysResident() {
        assumeTrue(PageRelease.available());
        for (double headroom : new double[] {0, 1}) {
            try (BufferPool pool = BufferPool.builder().retainedBytes(0).idleHeadroom(headroom)
                    .idleTimeout(Duration.ZERO).build()) {
                List<Buffer> held = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    held.add(pool.acquire(4 * MIB));
                }
                for (int i = 0; i < 4; i++) {
                    held.removeLast().close();
                }
                assertEquals(16 * MIB, pool.pageHeap.idleBytes(), "within the peak's allowance either way");
                pool.pageHeap.decay(false); // peak 32 -> 24 MiB, demand 16 MiB
                long expected = headroom == 0 ? 8 * MIB : 16 * MIB; // 24 + 24 * headroom - 16, at most what is idle
                assertEquals(expected, pool.pageHeap.idleBytes(), "headroom " + headroom);
                held.forEach(Buffer::close);
            }
        }
        for (double bad : new double[] {-0.1, 16.5, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class, () -> BufferPool.builder().idleHeadroom(bad));
        }
    }

    @Test
    void theLimitCountsPagesNotMappings() {
        assumeTrue(PageRelease.available());
        try (BufferPool pool = BufferPool.builder().limitBytes(6 * MIB).retainedBytes(0)
                .idleTimeout(Duration.ZERO).build()) {
            Buffer a = pool.acquire(3 * MIB);
            Buffer b = pool.acquire(3 * MIB); // a 64 MiB mapping, but only 6 MiB of pages
            assertTrue(pool.tryAcquire(100_000).isEmpty(), "the limit is reached");
            a.close();
            try (Buffer c = pool.acquire(2 * MIB)) { // a's resident pages: nothing more to reserve
                c.fill((byte) 1);
                assertEquals(6 * MIB, pool.stats().reservedBytes());
            }
            b.close();
            try (Buffer d = pool.acquire(5 * MIB)) { // needs pages beyond the freed runs: within the limit anyway
                d.fill((byte) 1);
                assertTrue(pool.stats().reservedBytes() <= 6 * MIB);
            }
            pool.checkNoLeases();
        }
    }

    @Test
    void idlePagesThatFitNoRequestArePurgedToMakeRoomAtTheLimit() {
        assumeTrue(PageRelease.available());
        try (BufferPool pool = BufferPool.builder().limitBytes(8 * MIB).retainedBytes(8 * MIB)
                .idleTimeout(Duration.ZERO).build()) {
            List<Buffer> held = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Buffer b = pool.acquire(2 * MIB);
                b.fill((byte) i);
                held.add(b);
            }
            held.get(0).close();
            held.get(2).close(); // two 2 MiB holes, resident and counted against the limit: the limit is full
            assertEquals(8 * MIB, pool.stats().reservedBytes());
            Buffer big = pool.tryAcquire(4 * MIB).orElseThrow(); // no hole fits: the holes' pages must go first
            big.fill((byte) 9);
            assertEquals(9, big.getByte(4 * MIB - 1));
            assertEquals(1, held.get(1).getByte(0), "the neighbours are untouched");
            assertEquals(3, held.get(3).getByte(2 * MIB - 1));
            assertTrue(pool.stats().reservedBytes() <= 8 * MIB);
            big.close();
            held.get(1).close();
            held.get(3).close();
            pool.pageHeap.checkInvariants();
            pool.checkNoLeases();
        }
    }

    /**
     * Threads take and return runs of random sizes (and cached classes' runs through the thread caches) while
     * purges run on their acquires and releases; each holder stamps its run and checks the stamp before release,
     * and once they are done the heap's maps, bitmaps and counters must agree. Bounded by operation count and a
     * wall-clock cap.
     */
    @Test
    void concurrentRunsNeverOverlapAndLeaveTheHeapConsistent() throws Exception {
        assumeTrue(PageRelease.available());
        try (BufferPool pool = BufferPool.builder().retainedBytes(0).idleHeadroom(0)
                .idleTimeout(Duration.ZERO).build()) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    java.util.SplittableRandom rnd = new java.util.SplittableRandom(id);
                    Buffer[] ring = new Buffer[8];
                    long[] stamps = new long[8];
                    try {
                        for (int i = 0; i < 3000 && System.nanoTime() < deadline; i++) {
                            int k = rnd.nextInt(ring.length);
                            if (ring[k] != null) {
                                BufferPoolModelTest.checkPattern(ring[k], stamps[k]);
                                ring[k].close();
                            }
                            ring[k] = pool.acquire(64L * 1024 + rnd.nextLong(4 * MIB));
                            stamps[k] = ((long) id << 48) | i;
                            BufferPoolModelTest.writePattern(ring[k], stamps[k]);
                        }
                        for (int k = 0; k < ring.length; k++) {
                            if (ring[k] != null) {
                                BufferPoolModelTest.checkPattern(ring[k], stamps[k]);
                                ring[k].close();
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join(30_000);
            }
            assertTrue(failures.isEmpty(), () -> "failures: " + failures);
            pool.trim(0); // empties the thread caches too
            pool.pageHeap.checkInvariants();
            assertEquals(0, pool.pageHeap.leasedBytes());
            assertEquals(0, pool.stats().reservedBytes());
            pool.checkNoLeases();
        }
    }

    @Test
    void leakedRunsGoBackToTheHeap() throws Exception {
        assumeTrue(PageRelease.available());
        List<LeakReport> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (BufferPool pool = BufferPool.builder().leakListener(reports::add).build()) {
            Buffer kept = pool.acquire(5 * MIB);
            pool.acquire(3 * MIB).putByte(0, (byte) 1); // dropped without close
            assertEquals(8 * MIB, pool.pageHeap.leasedBytes());
            kept.close();
            for (long end = System.nanoTime() + 10_000_000_000L; reports.isEmpty() && System.nanoTime() < end; ) {
                System.gc();
                Thread.sleep(20);
                pool.trim();
            }
            assertEquals(1, reports.size());
            assertEquals(0, pool.pageHeap.leasedBytes(), "the leaked lease no longer counts as leased");
            pool.checkNoLeases();
        }
    }

    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS");
    }
}
