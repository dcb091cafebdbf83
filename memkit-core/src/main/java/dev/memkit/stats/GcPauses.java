package dev.memkit.stats;

import com.sun.management.GarbageCollectionNotificationInfo;

import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Records GC pauses into a fixed ring, for percentiles over a recent window: from the collectors' notifications
 * (millisecond resolution, at once), or, when asked, from JFR's {@code jdk.GCPhasePause} events (nanosecond
 * resolution, delivered about once a second: ZGC's sub-millisecond pauses, which notifications round to 0 or 1 ms,
 * then keep their real length). With JFR on, notifications are ignored, so no pause counts twice.
 *
 * <p><b>What counts as a pause.</b> Every JFR {@code jdk.GCPhasePause} event is a stop-the-world pause. From
 * notifications: A notification whose action ends a minor or major GC ("end of minor GC", "end
 * of major GC": G1, Parallel, Serial) or names a pause ("end of GC pause": ZGC's and Shenandoah's pause beans).
 * Beans that count concurrent cycles ("... Cycles", actions naming a cycle) are skipped: their durations are
 * concurrent work, not stopped application threads.
 *
 * <p><b>Concurrency.</b> Notifications arrive on a JMX thread; readers call {@link #pauses} from any thread. Both
 * take this object's monitor; the ring holds {@value #CAPACITY} pauses, so a window with more pauses than that is
 * summarised from the newest ones.
 */
final class GcPauses implements NotificationListener, AutoCloseable {
    static final int CAPACITY = 4096;

    private final long[] endNanos = new long[CAPACITY];
    private final long[] durationNanos = new long[CAPACITY];
    private int next;
    private int size;
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final jdk.jfr.consumer.RecordingStream jfr;   // null: notifications are the source

    GcPauses() {
        this(false);
    }

    /** With {@code jfr}, pauses come from a JFR stream of {@code jdk.GCPhasePause} (see the class comment). */
    GcPauses(boolean jfr) {
        this.jfr = jfr ? startJfr() : null;
        if (this.jfr != null) {
            return;
        }
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(this, null, null);
                emitters.add(emitter);
            }
        }
    }

    /** A stream recording every GC pause, or null when JFR is unavailable here (the notifications then serve). */
    private jdk.jfr.consumer.RecordingStream startJfr() {
        try {
            jdk.jfr.consumer.RecordingStream rs = new jdk.jfr.consumer.RecordingStream();
            rs.enable("jdk.GCPhasePause").withThreshold(java.time.Duration.ZERO);
            rs.setMaxAge(java.time.Duration.ofSeconds(10));
            rs.onEvent("jdk.GCPhasePause", e -> record(System.nanoTime(), e.getDuration().toNanos()));
            rs.startAsync();
            return rs;
        } catch (RuntimeException | Error unavailable) {  // JFR disabled (-XX:-FlightRecorder) or not permitted
            return null;
        }
    }

    static boolean isPause(String collector, String action) {
        String name = collector.toLowerCase(Locale.ROOT);
        String what = action.toLowerCase(Locale.ROOT);
        if (name.contains("cycles") || what.contains("cycle")) {
            return false;
        }
        return what.contains("pause") || what.equals("end of minor gc") || what.equals("end of major gc");
    }

    @Override
    public void handleNotification(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        if (isPause(info.getGcName(), info.getGcAction())) {
            record(System.nanoTime(), info.getGcInfo().getDuration() * 1_000_000L);
        }
    }

    synchronized void record(long atNanos, long nanos) {
        endNanos[next] = atNanos;
        durationNanos[next] = nanos;
        next = (next + 1) % CAPACITY;
        size = Math.min(size + 1, CAPACITY);
    }

    synchronized MemoryStats.Pauses pauses(long nowNanos, long windowNanos) {
        long[] in = new long[size];
        int n = 0;
        for (int i = 0; i < size; i++) {
            int at = Math.floorMod(next - 1 - i, CAPACITY);
            if (nowNanos - endNanos[at] <= windowNanos) {
                in[n++] = durationNanos[at];
            }
        }
        long windowSeconds = windowNanos / 1_000_000_000L;
        if (n == 0) {
            return new MemoryStats.Pauses(windowSeconds, 0, Double.NaN, Double.NaN, Double.NaN, 0);
        }
        long[] sorted = Arrays.copyOf(in, n);
        Arrays.sort(sorted);
        long total = 0;
        for (long d : sorted) {
            total += d;
        }
        return new MemoryStats.Pauses(windowSeconds, n, percentile(sorted, 0.50) / 1e6,
                percentile(sorted, 0.99) / 1e6, sorted[n - 1] / 1e6, total / 1e6);
    }

    /** Nearest-rank percentile. */
    static double percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.clamp(rank - 1, 0, sorted.length - 1)];
    }

    @Override
    public void close() {
        if (jfr != null) {
            jfr.close();
        }
        for (NotificationEmitter e : emitters) {
            try {
                e.removeNotificationListener(this);
            } catch (ListenerNotFoundException ignored) {
                // already gone
            }
        }
        emitters.clear();
    }
}
