package dev.memkit.cli.demo;

import dev.memkit.cli.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code memkit demo bigheap} end to end at a tiny size: both child JVMs run, the table and the report appear. */
class BigHeapDemoTest {
    @Test
    void aTinyRunComparesBothStores(@TempDir Path tmp) throws Exception {
        Path report = tmp.resolve("bigheap.html");
        CliRun.Outcome o = CliRun.run("demo", "bigheap", "--entries", "50000", "--seconds", "1", "--heap", "256m",
                "--report", report.toString());
        assertEquals(0, o.exit(), o.out() + o.err());
        for (String row : new String[] {"load time", "batched (putAll)", "bytes/entry (RSS)", "max pause",
            "GC+VM CPU time", "reads/s", "reads/s, getAll"}) {
            assertTrue(o.out().contains(row), row + " in\n" + o.out());
        }
        String batchedReads = o.out().lines().filter(l -> l.contains("reads/s, getAll")).findFirst().orElseThrow();
        assertTrue(batchedReads.matches(".*[1-9][\\d,]* .*"), "memkit's batched reads are counted: " + batchedReads);
        String batched = o.out().lines().filter(l -> l.contains("batched (putAll)")).findFirst().orElseThrow();
        assertTrue(batched.matches(".*\\d+\\.\\d s.*"), "memkit's batched load is timed: " + batched);
        String header = o.out().lines().filter(l -> l.contains("memkit/HashMap")).findFirst().orElseThrow();
        assertTrue(header.contains("memkit/fastutil"), "the harder comparison too: " + header);
        String gcs = o.out().lines().filter(l -> l.contains("GC count")).findFirst().orElseThrow();
        assertTrue(!gcs.matches(".*\\d\\.\\d.*"), "GC counts are whole numbers: " + gcs);
        String perEntry = o.out().lines().filter(l -> l.contains("bytes/entry")).findFirst().orElseThrow();
        assertTrue(perEntry.contains("–") && !perEntry.contains(" 0.0 "), "no per-entry figure for the baseline: "
                + perEntry);
        String html = Files.readString(report);
        assertTrue(html.contains("memkitCharts.chart(") && html.contains("memkit LongLongMap")
                && html.contains("HashMap"), "charts with every JVM's series");
        assertTrue(html.contains("all four JVMs") && html.contains("churn phases start together"), "the text is right");
        assertTrue(!html.contains("<script src=") && !html.contains("<link"), "nothing loads from elsewhere");
    }

    @Test
    void aCollectorThatEndedNoCycleIsNotShownAsIdle() {
        BigHeapCommand.Run busy = new BigHeapCommand.Run("HashMap<Long,Long>",
                java.util.Map.of("churnGcCount", "0", "churnConcurrentGcMs", "0", "churnVmCpuMs", "7454"),
                java.util.List.of());
        BigHeapCommand.Run memkit = new BigHeapCommand.Run("memkit LongLongMap",
                java.util.Map.of("churnGcCount", "56", "churnConcurrentGcMs", "795", "churnVmCpuMs", "515"),
                java.util.List.of());
        String table = BigHeapCommand.table(java.util.List.of(busy, memkit));
        String row = table.lines().filter(l -> l.contains("concurrent GC time")).findFirst().orElseThrow();
        assertTrue(row.contains("no cycle ended") && row.contains("795 ms"), row);
    }

    @Test
    void badOptionsAreExplained() {
        assertTrue(CliRun.run("demo", "bigheap", "--gc", "shenandoah").err().contains("--gc must be g1 or zgc"));
        assertTrue(CliRun.run("demo", "bigheap", "--entries", "0").err().contains("--entries must be"));
    }
}
