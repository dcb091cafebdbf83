package dev.memkit.buffer;

import dev.memkit.leak.LeakDetection;
import dev.memkit.leak.LeakReport;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Leases dropped without release are found by the GC, reported with their site, and their memory reclaimed. */
class LeakDetectionTest {

    @Test
    void anAcquireTimingOutAtTheLimitAsksForAGcAndIsServedFromTheLeaksItFinds() {
        List<LeakReport> reports = new CopyOnWriteArrayList<>();
        try (BufferPool pool = BufferPool.builder().limitBytes(8L << 20).idleTimeout(Duration.ZERO)
                .leakListener(reports::add).build()) {
            int leaked = 0;
            while (pool.tryAcquire(2L << 20).isPresent()) { // each lease dropped at once: the limit fills with leaks
                leaked++;
            }
            assertTrue(leaked >= 3, "leased " + leaked);
            // Nothing else allocates on the heap here, so no GC need run while this waits: when its timeout runs
            // out, the pool asks for one, and is served from the leaks it finds instead of throwing.
            try (Buffer b = pool.acquire(2L << 20, Duration.ofMillis(200))) {
                b.putByte(0, (byte) 1);
            }
            assertTrue(pool.stats().leaksDetected() >= 1);
            assertEquals(pool.stats().leaksDetected(), reports.size());
            assertTrue(pool.leaks.gcRequests() >= 1);
        }
    }

    @Test
    void tryAcquireAtTheLimitNeverAsksForAGc() {
        try (BufferPool pool = BufferPool.builder().limitBytes(8L << 20).idleTimeout(Duration.ZERO).build()) {
            List<Buffer> held = new java.util.ArrayList<>();
            for (java.util.Optional<Buffer> b; (b = pool.tryAcquire(2L << 20)).isPresent(); ) {
                held.add(b.get());
            }
            assertTrue(pool.tryAcquire(2L << 20).isEmpty());
            assertEquals(0, pool.leaks.gcRequests(), "tryAcquire returns at once");
            held.forEach(Buffer::close);
        }
    }

    @Test
    void aStaleReleasedLeaseDoesNotHideALaterLeakOfItsBlock() throws Exception {
        List<LeakReport> reports = new CopyOnWriteArrayList<>();
        try (BufferPool pool = BufferPool.builder().stripes(1).idleTimeout(Duration.ZERO)
                .leakListener(reports::add).build()) {
            Buffer stale = pool.acquire(100);
            stale.close(); // kept below: a caller holding on to a released lease
            pool.acquire(100).putByte(0, (byte) 1); // the same block (LIFO), leaked
            for (long end = System.nanoTime() + 10_000_000_000L; reports.isEmpty() && System.nanoTime() < end; ) {
                System.gc();
                Thread.sleep(10);
                pool.trim();
            }
            assertEquals(1, reports.size(), "found although the stale lease is still reachable");
            assertThrows(IllegalStateException.class, () -> stale.getByte(0));
            assertTrue(stale.toString().contains("released"), stale.toString());
            java.lang.ref.Reference.reachabilityFence(stale);
        }
    }

    @Test
    void anUnsampledLeaseNeverCarriesTheSiteOfAnEarlierLeaseOfItsBlock() throws Exception {
        java.lang.reflect.Field blockField = Buffer.class.getDeclaredField("block");
        blockField.setAccessible(true);
        // With a rate of 2, the stripe samples every other acquire; the same block comes back each time (LIFO).
        try (BufferPool pool = BufferPool.builder().stripes(1).leakSamplingRate(2).build()) {
            boolean[] recorded = new boolean[6];
            Block first = null;
            for (int i = 0; i < recorded.length; i++) {
                try (Buffer b = pool.acquire(100)) {
                    Block block = (Block) blockField.get(b);
                    first = first == null ? block : first;
                    assertTrue(block == first, "the same block each time");
                    recorded[i] = block.watch.site != null;
                }
            }
            for (int i = 1; i < recorded.length; i++) {
                assertTrue(recorded[i] != recorded[i - 1], "sites recorded alternately, not kept from the last lease: "
                        + java.util.Arrays.toString(recorded));
            }
        }
    }

    @Test
    void paranoidReportsEveryLeakWithItsSiteAndReclaimsTheBlock() throws Exception {
        List<LeakReport> reports = new CopyOnWriteArrayList<>();
        try (BufferPool pool = BufferPool.builder().name("leaky").leakDetection(LeakDetection.PARANOID)
                .idleTimeout(Duration.ZERO).leakListener(reports::add).build()) {
            leak(pool, 3, 5000);
            awaitLeaks(pool, reports, 3);
            assertEquals(3, pool.stats().leaksDetected());
            assertEquals(0, pool.stats().leasedCount(), "leaked blocks are returned");
            for (LeakReport r : reports) {
                assertEquals(5000, r.requestedBytes());
                assertNotNull(r.acquisitionSite());
                assertTrue(stackMentions(r.acquisitionSite(), "leak"), "site names the leaking method");
            }
            pool.trim(0);
            assertEquals(0, pool.stats().reservedBytes(), "reclaimed memory can be freed");
        }
    }

    @Test
    void defaultModeCountsAndReclaimsEveryLeakEvenWithoutASite() throws Exception {
        List<LeakReport> reports = new CopyOnWriteArrayList<>();
        try (BufferPool pool = BufferPool.builder()
                .leakSamplingRate(Integer.MAX_VALUE).leakListener(reports::add).build()) {
            leak(pool, 4, 100);
            leak(pool, 1, 20L << 20); // above the largest class: a dedicated allocation
            awaitLeaks(pool, reports, 5);
            assertEquals(5, pool.stats().leaksDetected());
            assertEquals(0, pool.stats().leasedCount());
            assertEquals(0, pool.stats().hugeLeasedCount());
            assertTrue(reports.stream().allMatch(r -> r.acquisitionSite() == null));
            assertTrue(reports.getFirst().toString().contains("LeakDetection.ALL"), "tells how to get the site");
            assertTrue(reports.stream().anyMatch(r -> r.requestedBytes() == 20L << 20));
        }
    }

    @Test
    void allModeRecordsEverySiteWithoutGuardingViews() throws Exception {
        List<LeakReport> reports = new CopyOnWriteArrayList<>();
        try (BufferPool pool = BufferPool.builder().leakDetection(LeakDetection.ALL)
                .leakListener(reports::add).build()) {
            Buffer kept = pool.acquire(64);
            java.lang.foreign.MemorySegment view = kept.segment();
            kept.close();
            view.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0); // not invalidated: only PARANOID does that
            leak(pool, 2, 300);
            awaitLeaks(pool, reports, 2);
            assertTrue(reports.stream().allMatch(r -> stackMentions(r.acquisitionSite(), "leak")));
        }
    }

    @Test
    void aBlockLeakedAgainAndAgainIsReclaimedEachTime() throws Exception {
        List<LeakReport> reports = new CopyOnWriteArrayList<>();
        try (BufferPool pool = BufferPool.builder().stripes(1).idleTimeout(Duration.ZERO)
                .leakListener(reports::add).build()) {
            for (int round = 1; round <= 4; round++) {
                leak(pool, 3, 4096);
                awaitLeaks(pool, reports, 3 * round);
                assertEquals(0, pool.stats().leasedCount());
            }
            assertEquals(12, pool.stats().leaksDetected());
            try (Buffer b = pool.acquire(4096)) {
                b.putLong(4088, 7); // a reclaimed block serves a new lease normally
                assertEquals(7, b.getLong(4088));
            }
            assertTrue(pool.stats().reservedBytes() <= 2L << 20, "leaked blocks were reused, not replaced");
            pool.checkNoLeases();
        }
    }

    @Test
    void freeingIdleSlabsIsNeverMistakenForALeak() throws Exception {
        List<LeakReport> reports = new CopyOnWriteArrayList<>();
        try (BufferPool pool = BufferPool.builder().leakListener(reports::add).build()) {
            for (int round = 0; round < 3; round++) {
                java.util.List<Buffer> held = new java.util.ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    held.add(pool.acquire(16 + i * 97L));
                }
                held.forEach(Buffer::close);
                held.clear();
                assertTrue(pool.trim(0) > 0);
                for (int i = 0; i < 3; i++) {
                    System.gc();
                    Thread.sleep(20);
                    pool.trim(0);
                }
            }
            assertEquals(List.of(), reports);
            assertEquals(0, pool.stats().leaksDetected());
        }
    }

    @Test
    void releasedLeasesAreNeverReportedAsLeaks() throws Exception {
        List<LeakReport> reports = new CopyOnWriteArrayList<>();
        try (BufferPool pool = BufferPool.builder().leakDetection(LeakDetection.PARANOID)
                .leakListener(reports::add).build()) {
            for (int i = 0; i < 1000; i++) {
                pool.acquire(64 + i).close();
            }
            for (int i = 0; i < 5; i++) {
                System.gc();
                Thread.sleep(20);
                pool.trim();
            }
            assertEquals(List.of(), reports);
            assertEquals(0, pool.stats().leaksDetected());
        }
    }

    @Test
    void disabledModeNeitherReportsNorReclaimsButCheckNoLeasesStillCounts() throws Exception {
        List<LeakReport> reports = new CopyOnWriteArrayList<>();
        try (BufferPool pool = BufferPool.builder().leakDetection(LeakDetection.DISABLED)
                .leakListener(reports::add).build()) {
            leak(pool, 1, 10);
            for (int i = 0; i < 5; i++) {
                System.gc();
                Thread.sleep(20);
                pool.trim();
            }
            assertEquals(List.of(), reports, "nothing is tracked, so nothing is reported");
            assertEquals(1, pool.stats().leasedCount(), "the untracked leak stays leased");
            IllegalStateException e = assertThrows(IllegalStateException.class, pool::checkNoLeases);
            assertTrue(e.getMessage().contains("no allocation sites recorded"), e.getMessage());
        }
    }

    private static void leak(BufferPool pool, int count, long size) {
        for (int i = 0; i < count; i++) {
            pool.acquire(size).putByte(0, (byte) 1); // dropped without close
        }
    }

    /** Bounded wait: GC until the reports arrive or 10 s pass (no timing is asserted). */
    private static void awaitLeaks(BufferPool pool, List<LeakReport> reports, int expected) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (reports.size() < expected && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
            pool.trim();
        }
        assertEquals(expected, reports.size(), "leaks reported: " + reports);
    }

    private static boolean stackMentions(Throwable t, String method) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getMethodName().equals(method) && e.getClassName().equals(LeakDetectionTest.class.getName())) {
                return true;
            }
        }
        return false;
    }
}
