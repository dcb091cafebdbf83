package dev.memkit.cli.demo;

import com.sun.management.GarbageCollectionNotificationInfo;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Samples this JVM's memory every 50 ms (RSS, heap used, off-heap = JDK direct/mapped buffers + memkit's native
 * pool) and listens to GC notifications for pause times. Written by a backup run in the demo's child JVMs and
 * read back by the demo as {@code key=value} lines.
 */
public final class MemorySampler implements AutoCloseable {
    private final long start = System.nanoTime();
    private final LongSupplier extraOffHeap;
    private final List<long[]> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private long pauseCount;
    private long pauseNanosTotal;
    private long pauseNanosMax;
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final javax.management.NotificationListener listener = (n, h) -> onGc(n);

    public MemorySampler(LongSupplier extraOffHeap) {
        this.extraOffHeap = extraOffHeap;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter e) {
                e.addNotificationListener(listener, null, null);
                emitters.add(e);
            }
        }
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

    private synchronized void onGc(javax.management.Notification n) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
                (CompositeData) n.getUserData());
        if (info.getGcName().contains("Concurrent") || info.getGcName().contains("Cycles")) {
            return; // concurrent work, not a pause
        }
        long nanos = info.getGcInfo().getDuration() * 1_000_000L;
        pauseCount++;
        pauseNanosTotal += nanos;
        pauseNanosMax = Math.max(pauseNanosMax, nanos);
    }

    private void sample() {
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long off = extraOffHeap.getAsLong();
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            off += Math.max(0, b.getMemoryUsed());
        }
        long rss = procStatus("VmRSS");
        synchronized (this) {
            samples.add(new long[] {(System.nanoTime() - start) / 1_000_000, rss, heap, off});
        }
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

    /** GC notifications arrive on another thread: give the last ones up to a second to land. */
    private void awaitGcNotifications() {
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            long beans = 0;
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (!gc.getName().contains("Concurrent")) {
                    beans += Math.max(0, gc.getCollectionCount());
                }
            }
            synchronized (this) {
                if (pauseCount >= beans) {
                    return;
                }
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
                    .append(s[3]).append('\n');
        }
        long hwm = procStatus("VmHWM");
        long gcCount = 0;
        long gcMillis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (!gc.getName().contains("Concurrent")) {
                gcCount += Math.max(0, gc.getCollectionCount());
                gcMillis += Math.max(0, gc.getCollectionTime());
            }
        }
        List<String> lines = new ArrayList<>(extra);
        lines.add("peakRss=" + Math.max(hwm, peakRss));
        lines.add("peakHeap=" + peakHeap);
        lines.add("peakOffHeap=" + peakOff);
        lines.add("gcCount=" + Math.max(gcCount, pauseCount));
        lines.add("gcPauseTotalMs=" + Math.max(gcMillis, pauseNanosTotal / 1_000_000));
        lines.add("gcPauseMaxMs=" + pauseNanosMax / 1_000_000.0);
        Files.writeString(file, String.join("\n", lines) + "\n" + sb);
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        for (NotificationEmitter e : emitters) {
            try {
                e.removeNotificationListener(listener);
            } catch (javax.management.ListenerNotFoundException ignored) {
                // already gone
            }
        }
    }
}
