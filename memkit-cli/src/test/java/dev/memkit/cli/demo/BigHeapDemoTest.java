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
        for (String row : new String[] {"load time", "bytes/entry (RSS)", "max pause", "GC+VM CPU time", "reads/s"}) {
            assertTrue(o.out().contains(row), row + " in\n" + o.out());
        }
        String html = Files.readString(report);
        assertTrue(html.contains("<svg") && html.contains("class=\"memkit\"") && html.contains("class=\"hashmap\""));
    }

    @Test
    void badOptionsAreExplained() {
        assertTrue(CliRun.run("demo", "bigheap", "--gc", "shenandoah").err().contains("--gc must be g1 or zgc"));
        assertTrue(CliRun.run("demo", "bigheap", "--entries", "0").err().contains("--entries must be"));
    }
}
