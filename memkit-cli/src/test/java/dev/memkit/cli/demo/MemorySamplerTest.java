package dev.memkit.cli.demo;

import dev.memkit.stats.MemoryStatsCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

class MemorySamplerTest {

    /** The demo counts the pauses the core counts: one rule for the report, the debug page and the metrics. */
    @Test
    void theReportsPausesAreTheCoresPauses(@TempDir Path dir) throws Exception {
        try (MemoryStatsCollector core = MemoryStatsCollector.builder().nativeMemoryTracking(false)
                .pauseWindow(Duration.ofDays(1)).build();
             MemorySampler sampler = new MemorySampler(() -> 0)) {
            System.gc();
            System.gc();
            Path report = dir.resolve("report.txt");
            sampler.write(report, List.of("label=test"));
            long gcCount = -1;
            for (String line : Files.readAllLines(report)) {
                if (line.startsWith("gcCount=")) {
                    gcCount = Long.parseLong(line.substring(8));
                }
            }
            assertTrue(gcCount >= 2, "two System.gc() pauses at least: " + gcCount);
            // The core's collector was listening first and is read last, so it has seen every pause the report has.
            assertTrue(gcCount <= core.snapshot().pauses().count(), "the core's rule counts these pauses too");
            assertTrue(Files.readString(report).contains("sample="), "samples written");
        }
    }
}
