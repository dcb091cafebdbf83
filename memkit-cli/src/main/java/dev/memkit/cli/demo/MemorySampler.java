package dev.memkit.cli.demo;

import dev.memkit.stats.MemoryStats;
import dev.memkit.stats.MemoryStatsCollector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Samples this JVM's memory every 50 ms (RSS, heap used, off-heap = JDK direct/mapped buffers + memkit's native
 * pool, heap used after the last GC) through the core's {@link MemoryStatsCollector}, whose GC pause accounting (every stop-the-world pause,
 * concurrent cycles left out) is the one the debug page and the metrics show. Written by a backup run in the demo's
 * child JVMs and read back by the demo as {@code key=value} lines.
 */
public final class MemorySampler implements AutoCloseable {
    private final long start = System.nanoTime();
    private final LongSupplier extraOffHeap;
    // The whole run's pauses in one distribution. Timed by the notifications, not JFR: a JFR stream costs the child
    // JVM about 18 MiB of RSS and 16 MiB of heap (measured with ./memkit demo), which would blur the very figures
    // the demo compares.
    private final MemoryStatsCollector stats = MemoryStatsCollector.builder().nativeMemoryTracking(false)
            .pauseWindow(Duration.ofDays(1)).build();
    private final List<long[]> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    public MemorySampler(LongSupplier extraOffHeap) {
        this.extraOffHeap = extraOffHeap;
        sample();
        thread = Thread.ofPlatform().daemon().name("memory-sampler").start(() -> {
            while (running) {
                sample();
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    private void sample() {
        MemoryStats now;
        synchronized (stats) {
            now = stats.snapshot();
        }
        long off = extraOffHeap.getAsLong();
        for (MemoryStats.NioPool b : now.nioPools()) {
            off += Math.max(0, b.usedBytes());
        }
        synchronized (this) {
            samples.add(new long[] {elapsedMillis(), Math.max(0, now.rssBytes()), now.heapUsedBytes(), off,
                Math.max(0, now.heapUsedAfterGcBytes())});
        }
    }

    /**
     * Milliseconds since this sampler started: the time axis of its samples, so a run can mark its phases on it.
     *
     * @return elapsed milliseconds
     */
    public long elapsedMillis() {
        return (System.nanoTime() - start) / 1_000_000;
    }

    static long procStatus(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    /** Writes the report; {@code extra} lines (key=value) are appended as they are. */
    public void write(Path file, List<String> extra) throws IOException {
        awaitGcNotifications();
        synchronized (this) {
            writeLocked(file, extra);
        }
    }

    /**
     * GC notifications arrive on another thread: give the last ones up to a second to land, until the pauses
     * recorded are at least the collections the beans count (a concurrent cycle's pauses count once each).
     */
    private void awaitGcNotifications() {
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            MemoryStats now;
            synchronized (stats) {
                now = stats.snapshot();
            }
            long collections = 0;
            for (MemoryStats.Collector c : now.collectors()) {
                if (!c.name().contains("Cycles")) {
                    collections += Math.max(0, c.count());
                }
            }
            if (now.pauses().count() >= collections) {
                return;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void writeLocked(Path file, List<String> extra) throws IOException {
        sample();
        long peakHeap = 0;
        long peakOff = 0;
        long peakRss = 0;
        StringBuilder sb = new StringBuilder();
        for (long[] s : samples) {
            peakRss = Math.max(peakRss, s[1]);
            peakHeap = Math.max(peakHeap, s[2]);
            peakOff = Math.max(peakOff, s[3]);
            sb.append("sample=").append(s[0]).append(',').append(s[1]).append(',').append(s[2]).append(',')
                    .append(s[3]).append(',').append(s[4]).append('\n');
        }
        MemoryStats.Pauses pauses;
        synchronized (stats) {
            pauses = stats.snapshot().pauses();
        }
        List<String> lines = new ArrayList<>(extra);
        lines.add("peakRss=" + Math.max(procStatus("VmHWM"), peakRss));
        lines.add("peakHeap=" + peakHeap);
        lines.add("peakOffHeap=" + peakOff);
        lines.add("gcCount=" + pauses.count());
        lines.add("gcPauseTotalMs=" + Math.round(pauses.totalMillis()));
        lines.add("gcPauseMaxMs=" + (pauses.count() == 0 ? 0.0 : pauses.maxMillis()));
        Files.writeString(file, String.join("\n", lines) + "\n" + sb);
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        stats.close();
    }
}
