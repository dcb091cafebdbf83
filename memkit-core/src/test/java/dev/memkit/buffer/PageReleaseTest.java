package dev.memkit.buffer;

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
 * Page release: only whole pages inside the asked range read as zero afterwards, big blocks give their pages back
 * while the pool keeps them, and a block lent to a smaller class serves it like any other.
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
    void idleBigBlocksGiveTheirPagesBackWhileThePoolKeepsThem() throws IOException {
        assumeTrue(PageRelease.available() && Files.exists(Path.of("/proc/self/status")));
        try (BufferPool pool = BufferPool.builder().retainedBytes(0).maxIdleBytes(1L << 40)
                .idleTimeout(Duration.ZERO).build()) {
            List<Buffer> held = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                Buffer b = pool.acquire(8 * MIB);
                b.fill((byte) 1);
                held.add(b);
            }
            long reserved = pool.stats().reservedBytes();
            held.forEach(Buffer::close);
            assertEquals(192 * MIB, pool.bigPages.residentIdle.get(), "within the recent peak's allowance");
            long before = residentBytes();
            pool.bigPages.decay(true); // what the scavenger does over a few passes
            long after = residentBytes();
            assertEquals(0, pool.bigPages.residentIdle.get());
            assertEquals(reserved, pool.stats().reservedBytes(), "the blocks are kept for reuse");
            assertTrue(before - after >= 96 * MIB, "RSS fell by " + (before - after) / MIB + " MiB of 192 MiB idle");
            for (int i = 0; i < 24; i++) { // blocks whose pages went back serve new leases like any other
                Buffer b = pool.acquire(8 * MIB);
                b.putLong(8 * MIB - 8, i);
                held.set(i, b);
            }
            for (int i = 0; i < 24; i++) {
                assertEquals(i, held.get(i).getLong(8 * MIB - 8));
                held.get(i).close();
            }
            pool.checkNoLeases();
        }
    }

    @Test
    void aLargerIdleBlockIsLentToASmallerRequestAndComesBackWhole() {
        try (BufferPool pool = BufferPool.builder().idleTimeout(Duration.ZERO).build()) {
            Buffer big = pool.acquire(5 * MIB);
            big.fill((byte) 3);
            big.close();
            long reserved = pool.stats().reservedBytes();
            try (Buffer small = pool.acquire(3 * MIB)) {
                small.fill((byte) 9);
                assertEquals(9, small.getByte(3 * MIB - 1));
                if (PageRelease.available()) {
                    assertEquals(reserved, pool.stats().reservedBytes(), "served by the idle 5 MiB block");
                }
                assertEquals(1, pool.stats().leasedCount());
                assertEquals(3 * MIB, pool.stats().leasedBytes());
            }
            try (Buffer big2 = pool.acquire(5 * MIB)) {
                big2.fill((byte) 5);
                assertEquals(5, big2.getByte(5 * MIB - 1));
            }
            assertEquals(0, pool.stats().leasedCount());
            pool.checkNoLeases();
        }
    }

    @Test
    void releasedBlocksStayResidentUpToTheRecentPeakAndRisingDemandPurgesTheExcess() {
        assumeTrue(PageRelease.available());
        try (BufferPool pool = BufferPool.builder().retainedBytes(0).idleTimeout(Duration.ZERO).build()) {
            List<Buffer> held = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Buffer b = pool.acquire(4 * MIB);
                b.fill((byte) 1);
                held.add(b);
            }
            assertEquals(32 * MIB, pool.bigPages.highWaterBytes());
            held.forEach(Buffer::close);
            held.clear();
            assertEquals(32 * MIB, pool.bigPages.residentIdle.get(), "demand fell below its peak: all kept");
            try (Buffer again = pool.acquire(4 * MIB)) {
                assertEquals(28 * MIB, pool.bigPages.residentIdle.get(), "a resident block was reused");
                assertEquals(1, again.getByte(4 * MIB - 1), "its old pages, not fresh zero ones");
            }
            // Demand for another class (no 4 MiB block can serve 6 MiB) rises to the peak: the 4 MiB blocks'
            // pages must go, or resident memory would reach peak + idle.
            for (int i = 0; i < 5; i++) {
                Buffer b = pool.acquire(6 * MIB);
                b.fill((byte) 2);
                held.add(b);
            }
            long demand = pool.bigPages.leasedBytes();
            long peak = pool.bigPages.highWaterBytes();
            assertEquals(30 * MIB, demand);
            assertTrue(pool.bigPages.residentIdle.get() <= peak + peak / BigBlockPages.HEADROOM - demand,
                    "resident idle " + pool.bigPages.residentIdle.get() / MIB + " MiB over the allowance");
            held.forEach(Buffer::close);
            pool.bigPages.decay(false);
            assertEquals(16 * MIB, pool.bigPages.highWaterBytes(), "half way from the peak (32 MiB) to the demand (0)");
            pool.trim(0);
            assertEquals(0, pool.bigPages.highWaterBytes(), "trim forgets the peak");
            assertEquals(0, pool.bigPages.residentIdle.get());
            pool.checkNoLeases();
        }
    }

    @Test
    void leakedBigLeasesLeaveTheResidentAllowanceAsReleasedOnesDo() throws Exception {
        assumeTrue(PageRelease.available());
        List<LeakReport> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (BufferPool pool = BufferPool.builder().leakListener(reports::add).build()) {
            Buffer kept = pool.acquire(5 * MIB);
            pool.acquire(3 * MIB).putByte(0, (byte) 1); // dropped without close
            assertEquals(8 * MIB, pool.bigPages.leasedBytes());
            kept.close();
            for (long end = System.nanoTime() + 10_000_000_000L; reports.isEmpty() && System.nanoTime() < end; ) {
                System.gc();
                Thread.sleep(20);
                pool.trim();
            }
            assertEquals(1, reports.size());
            assertEquals(0, pool.bigPages.leasedBytes(), "the leaked lease no longer counts as leased");
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
