package dev.memkit.stats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memkit.manager.MemoryManager;
import dev.memkit.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryStatsTest {
    private static final long MIB = 1L << 20;

    @Test
    void snapshotAgreesWithTheMXBeans() {
        ByteBuffer direct = ByteBuffer.allocateDirect((int) (3 * MIB));
        try (MemoryStatsCollector c = MemoryStatsCollector.create()) {
            MemoryStats s = c.snapshot();
            assertEquals(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax(), s.heapMaxBytes());
            assertTrue(s.heapUsedBytes() > 0 && s.heapUsedBytes() <= s.heapCommittedBytes());
            assertEquals(ManagementFactory.getMemoryPoolMXBeans().size(), s.heapPools().size());
            assertEquals(ManagementFactory.getGarbageCollectorMXBeans().size(), s.collectors().size());
            BufferPoolMXBean directBean = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                    .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
            MemoryStats.NioPool nio = s.nioPools().stream().filter(p -> p.name().equals("direct")).findFirst()
                    .orElseThrow();
            assertTrue(nio.usedBytes() >= 3 * MIB, "our direct buffer is counted: " + nio);
            assertEquals(directBean.getMemoryUsed(), nio.usedBytes());
            assertTrue(s.threadCount() >= 1);
            if (System.getProperty("os.name").equals("Linux")) {
                assertTrue(s.rssBytes() > s.heapUsedAfterGcBytes(), "RSS covers at least the live heap");
                assertTrue(s.virtualBytes() >= s.rssBytes());
            }
            assertTrue(Double.isNaN(s.allocationRateBytesPerSecond()), "no rate before a second snapshot");
            List<byte[]> garbage = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                garbage.add(new byte[64 * 1024]);
            }
            MemoryStats t = c.snapshot();
            assertTrue(t.allocatedBytes() - s.allocatedBytes() >= 4 * MIB, "4 MiB allocated in between");
            assertTrue(t.allocationRateBytesPerSecond() > 0);
            assertEquals(-1, t.nmtReservedBytes(), "NMT is off in the test JVM");
            assertTrue(garbage.size() == 64 && direct.capacity() > 0);
        }
    }

    @Test
    void gcPausesAreCountedFromNotifications() throws Exception {
        try (MemoryStatsCollector c = MemoryStatsCollector.create()) {
            System.gc();
            MemoryStats s = c.snapshot();
            for (int i = 0; i < 200 && s.pauses().count() == 0; i++) {
                Thread.sleep(10);                 // notifications arrive asynchronously
                s = c.snapshot();
            }
            assertTrue(s.pauses().count() >= 1, s.pauses().toString());
            assertTrue(s.pauses().maxMillis() >= s.pauses().p50Millis());
            assertTrue(s.heapUsedAfterGcBytes() > 0);
        }
    }

    /** JFR times pauses in nanoseconds: a pause is no longer rounded to whole milliseconds (ZGC's are under one). */
    @Test
    void jfrTimesPausesFinerThanMilliseconds() throws Exception {
        try (MemoryStatsCollector c = MemoryStatsCollector.builder().jfrPauses(true).nativeMemoryTracking(false)
                .build()) {
            MemoryStats.Pauses p = c.snapshot().pauses();
            for (int i = 0; i < 100 && p.count() < 3; i++) {   // JFR delivers about once a second
                System.gc();
                Thread.sleep(100);
                p = c.snapshot().pauses();
            }
            assertTrue(p.count() >= 3, "pauses seen: " + p);
            assertTrue(p.totalMillis() != Math.rint(p.totalMillis()), "sub-millisecond precision: " + p);
        }
    }

    @Test
    void pausePercentilesAndWindow() {
        try (GcPauses p = new GcPauses()) {
            long now = 1_000_000_000_000L;
            for (int i = 1; i <= 100; i++) {
                p.record(now, i * 1_000_000L);    // 1..100 ms
            }
            p.record(now - 120_000_000_000L, 5_000_000_000L); // two minutes ago: outside a 60 s window
            MemoryStats.Pauses s = p.pauses(now, 60_000_000_000L);
            assertEquals(100, s.count());
            assertEquals(50.0, s.p50Millis());
            assertEquals(99.0, s.p99Millis());
            assertEquals(100.0, s.maxMillis());
            assertEquals(5050.0, s.totalMillis());
        }
        assertTrue(GcPauses.isPause("G1 Young Generation", "end of minor GC"));
        assertTrue(GcPauses.isPause("G1 Old Generation", "end of major GC"));
        assertTrue(GcPauses.isPause("ZGC Major Pauses", "end of GC pause"));
        // G1 remark and cleanup stop the application too; they arrive from the bean named "G1 Concurrent GC".
        assertTrue(GcPauses.isPause("G1 Concurrent GC", "end of concurrent GC pause"));
        assertFalse(GcPauses.isPause("ZGC Major Cycles", "end of GC cycle"));
        assertFalse(GcPauses.isPause("Shenandoah Cycles", "end of GC cycle"));
    }

    @Test
    void nmtSummaryIsParsed() {
        String out = """
                Native Memory Tracking:

                (Omitting categories weighting less than 1KB)

                Total: reserved=1456789KB, committed=123456KB
                       malloc: 12345KB #1234
                """;
        long[] t = MemoryStatsCollector.parseNmtTotals(out);
        assertEquals(1456789L << 10, t[0]);
        assertEquals(123456L << 10, t[1]);
        assertEquals(-1, MemoryStatsCollector.parseNmtTotals("Native memory tracking is not enabled")[0]);
    }

    @Test
    void memkitFiguresAgreeWithTheManager() throws Exception {
        try (MemoryManager m = MemoryManager.builder().limitBytes(256 * MIB).watchGc(false).build();
             MemoryStatsCollector c = MemoryStatsCollector.builder().manager(m).build();
             Buffer b = m.acquire(MIB)) {
            // Held until the end: a dropped lease is a leak the GC may reclaim before the snapshot.
            var conn = m.newBoundedPool("conns", Object::new, p -> p.capacity(2)).acquire();
            MemoryStats s = c.snapshot();
            assertEquals(m.budget().used(), s.memkitReservedBytes());
            assertEquals(MIB, s.memkit().pools().getFirst().leasedBytes());
            assertEquals(1, s.memkit().boundedPools().getFirst().leased());
            assertEquals("memkit", s.budgets().getFirst().path());
            assertTrue(s.budgets().stream().anyMatch(x -> x.path().equals("memkit/buffers")));
            JsonNode json = new ObjectMapper().readTree(s.toJson());
            assertEquals(MIB, json.at("/memkit/bufferPools/0/leasedBytes").asLong());
            assertEquals(1, json.at("/memkit/boundedPools/0/leased").asInt());
            assertTrue(b.size() > 0);
            conn.close();
        }
    }

    /** The documented JSON fields (docs/DEBUG-ENDPOINT.md): dashboards rely on every one of them. */
    static final List<String> DOCUMENTED_FIELDS = List.of("/time", "/timeMillis", "/heap/usedBytes",
            "/heap/committedBytes", "/heap/maxBytes", "/heap/usedAfterGcBytes", "/heapPools/0/name",
            "/heapPools/0/heap", "/heapPools/0/usedBytes", "/heapPools/0/committedBytes", "/heapPools/0/maxBytes",
            "/heapPools/0/usedAfterGcBytes", "/gc/collectors/0/name", "/gc/collectors/0/count",
            "/gc/collectors/0/timeMillis", "/gc/pauses/windowSeconds", "/gc/pauses/count", "/gc/pauses/p50Millis",
            "/gc/pauses/p99Millis", "/gc/pauses/maxMillis", "/gc/pauses/totalMillis", "/allocation/allocatedBytes",
            "/allocation/rateBytesPerSecond", "/nio/0/name", "/nio/0/count", "/nio/0/usedBytes",
            "/nio/0/capacityBytes", "/process/rssBytes", "/process/virtualBytes", "/process/threads",
            "/process/daemonThreads", "/nmt/reservedBytes", "/nmt/committedBytes", "/budgets", "/memkit");

    @Test
    void jsonIsValidAndHasEveryDocumentedField() throws Exception {
        try (MemoryStatsCollector c = MemoryStatsCollector.create()) {
            JsonNode json = new ObjectMapper().readTree(c.snapshot().toJson());
            for (String field : DOCUMENTED_FIELDS) {
                assertFalse(json.at(field).isMissingNode(), "missing " + field + " in " + json);
            }
            assertTrue(json.get("memkit").isNull());
            assertTrue(json.at("/allocation/rateBytesPerSecond").isNull(), "NaN is written as null");
        }
    }
}
