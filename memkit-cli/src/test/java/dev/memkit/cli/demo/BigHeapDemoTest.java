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
        String html = Files.readString(report);
        assertTrue(html.contains("<svg") && html.contains("class=\"memkit\"") && html.contains("class=\"hashmap\""));
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
