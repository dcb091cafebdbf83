package dev.memkit.debug;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProfilesTest {
    /** The class that "leaks" in the histogram diff test. */
    static final class LeakyRecord {
        final long[] payload = new long[8];
    }

    private static final List<Object> RETAINED = new ArrayList<>();

    @Test
    void histogramIsParsedLargestFirst() {
        String text = """
                 num     #instances         #bytes  class name (module)
                -------------------------------------------------------
                   1:          1000         200000  [B (java.base@25)
                   2:            10         900000  [J (java.base@25)
                   3:             5            120  com.example.Foo
                Total          1015        1100120
                """;
        HeapHistogram h = HeapHistogram.parse(text, Instant.EPOCH);
        assertEquals(3, h.entries().size());
        assertEquals("[J", h.entries().getFirst().className());
        assertEquals(1015, h.totalInstances());
        assertEquals(1100120, h.totalBytes());
    }

    @Test
    void theDiffFindsADeliberatelyLeakingClass() {
        HeapHistogram base = HeapHistogram.capture();
        for (int i = 0; i < 20_000; i++) {
            RETAINED.add(new LeakyRecord());
        }
        HeapHistogram now = HeapHistogram.capture();
        List<HeapHistogram.Delta> grew = now.diff(base);
        HeapHistogram.Delta leak = grew.stream().filter(d -> d.className().equals(LeakyRecord.class.getName()))
                .findFirst().orElseThrow(() -> new AssertionError("leaking class not found in " + grew));
        assertEquals(20_000, leak.instancesDelta());
        assertTrue(grew.indexOf(leak) < 5, "the leak is among the top growers: " + grew.subList(0, 5));
        RETAINED.clear();
    }

    @Test
    void allocationProfileNamesTheAllocatingMethod() throws Exception {
        Thread churn = Thread.ofPlatform().start(ProfilesTest::allocateLots);
        AllocationProfile p = AllocationProfile.record(Duration.ofMillis(1500), 10);
        churn.join();
        assertTrue(p.samples() > 0 && p.totalBytes() > 0, p.toString());
        assertTrue(p.sites().stream().anyMatch(s -> s.frame().contains("ProfilesTest.allocateLots")),
                "sites: " + p.sites());
        assertThrows(IllegalArgumentException.class, () -> AllocationProfile.record(Duration.ofMillis(1), 1));
    }

    /**
     * A thread that allocated gigabytes before the window and keeps allocating slowly in it: JFR's first sample of
     * it carries everything it allocated since its previous sample (here, since it started), which once made the
     * profile report several times what the JVM allocated in the window. The profile's total now stays within what
     * every thread allocated in the window by the JVM's own counters.
     */
    @Test
    void allocationProfileCountsOnlyTheWindow() throws Exception {
        java.util.concurrent.CountDownLatch warmed = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread heavy = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 60_000; i++) {          // ~1 GB before the window
                sink += new byte[16 * 1024].length;
            }
            warmed.countDown();
            while (!stop.get()) {                      // then ~16 MB/s
                sink += new byte[16 * 1024].length;
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
        });
        warmed.await();
        com.sun.management.ThreadMXBean bean =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = allocatedByAllThreads(bean);
        AllocationProfile p = AllocationProfile.record(Duration.ofMillis(1000), 10);
        long window = allocatedByAllThreads(bean) - before;
        stop.set(true);
        heavy.join();
        assertTrue(p.totalBytes() > 0, p.toString());
        assertTrue(p.totalBytes() <= window * 1.25,
                "profile " + p.totalBytes() + " B against " + window + " B allocated in the window: " + p.sites());
    }

    /** Bytes allocated so far by the platform threads alive now (a thread's counter never goes down). */
    private static long allocatedByAllThreads(com.sun.management.ThreadMXBean bean) {
        long sum = 0;
        for (long b : bean.getThreadAllocatedBytes(bean.getAllThreadIds())) {
            sum += Math.max(0, b);
        }
        return sum;
    }

    static long sink;

    private static void allocateLots() {
        long end = System.nanoTime() + Duration.ofMillis(1400).toNanos();
        while (System.nanoTime() < end) {
            byte[] b = new byte[16 * 1024];
            sink += b.length;
        }
    }

    @Test
    void heapDumpIsWrittenOwnerOnly(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("test.hprof");
        long size = HeapDumps.write(file, true);
        assertTrue(size > 1_000_000, "a real dump: " + size);
        assertEquals(size, Files.size(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertThrows(IllegalArgumentException.class, () -> HeapDumps.write(file, true), "never overwrites");
        assertThrows(IllegalArgumentException.class, () -> HeapDumps.write(dir.resolve("x.bin"), true));
    }
}
