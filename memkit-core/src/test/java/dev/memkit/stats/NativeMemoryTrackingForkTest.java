package dev.memkit.stats;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** In a child JVM started with Native Memory Tracking, snapshots carry the NMT totals. */
class NativeMemoryTrackingForkTest {
    @Test
    void nmtTotalsAppearWhenTrackingIsOn() throws Exception {
        Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx64m",
                "-XX:NativeMemoryTracking=summary", "-cp", System.getProperty("java.class.path"),
                Child.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        String[] f = out.lines().filter(l -> l.startsWith("nmt ")).findFirst().orElseThrow(() ->
                new AssertionError(out)).split(" ");
        long reserved = Long.parseLong(f[1]);
        long committed = Long.parseLong(f[2]);
        long rss = Long.parseLong(f[3]);
        assertTrue(reserved >= committed && committed > 0, out);
        assertTrue(committed > rss / 4 && committed < rss * 4, "NMT's committed total is near RSS: " + out);
    }

    /** Prints the NMT totals of a snapshot. */
    public static final class Child {
        public static void main(String[] args) {
            try (MemoryStatsCollector c = MemoryStatsCollector.create()) {
                MemoryStats s = c.snapshot();
                System.out.println("nmt " + s.nmtReservedBytes() + " " + s.nmtCommittedBytes() + " " + s.rssBytes());
            }
        }
    }
}
