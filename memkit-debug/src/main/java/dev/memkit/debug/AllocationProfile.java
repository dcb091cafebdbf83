package dev.memkit.debug;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingStream;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where the heap allocations of a period came from, by bytes: JFR's {@code jdk.ObjectAllocationSample} events
 * (each weighted by the bytes it stands for) grouped by allocation site, the first stack frame outside the JDK.
 *
 * <p>{@link #record(Duration, int)} streams the events in-process with a {@link RecordingStream} (no file, no
 * attach), blocking the caller for the duration; profiles may run at once from several threads, each on its own
 * stream. The result is an immutable value. JFR samples allocations at up to {@value #SAMPLES_PER_SECOND}
 * per second here, so figures are estimates whose precision grows with the duration.
 *
 * @param duration how long it recorded
 * @param totalBytes estimated bytes allocated in that time (all sites)
 * @param samples allocation samples received
 * @param sites the top sites by bytes, largest first
 * @since 0.1
 */
public record AllocationProfile(Duration duration, long totalBytes, long samples, List<Site> sites) {
    static final int SAMPLES_PER_SECOND = 1000;

    /** Copies the list so the profile is immutable. */
    public AllocationProfile {
        sites = List.copyOf(sites);
    }

    /**
     * One allocation site.
     *
     * @param frame the first frame outside {@code java.*}, {@code jdk.*} and {@code sun.*}, as
     *        {@code class.method:line}, or the top frame when all are JDK frames
     * @param objectClass the class allocated
     * @param bytes estimated bytes allocated there
     * @param samples samples attributed to it
     */
    public record Site(String frame, String objectClass, long bytes, long samples) {}

    /**
     * Records for {@code duration} and summarises.
     *
     * @param duration how long, between 100 ms and 10 minutes
     * @param top how many sites to keep
     * @return the profile
     * @throws InterruptedException if interrupted while recording
     */
    public static AllocationProfile record(Duration duration, int top) throws InterruptedException {
        Objects.requireNonNull(duration, "duration");
        if (duration.toMillis() < 100 || duration.toMinutes() > 10) {
            throw new IllegalArgumentException("duration must be between 100 ms and 10 minutes: " + duration);
        }
        if (top < 1) {
            throw new IllegalArgumentException("top must be positive: " + top);
        }
        Map<List<String>, long[]> bySite = new ConcurrentHashMap<>();
        LongAdder total = new LongAdder();
        LongAdder count = new LongAdder();
        try (RecordingStream rs = new RecordingStream()) {
            rs.enable("jdk.ObjectAllocationSample").with("throttle", SAMPLES_PER_SECOND + "/s").withStackTrace();
            rs.onEvent("jdk.ObjectAllocationSample", e -> {
                long weight = e.getLong("weight");
                total.add(weight);
                count.increment();
                List<String> key = List.of(site(e), e.getClass("objectClass").getName());
                long[] acc = bySite.computeIfAbsent(key, k -> new long[2]);
                synchronized (acc) {
                    acc[0] += weight;
                    acc[1]++;
                }
            });
            rs.startAsync();
            Thread.sleep(duration);
            rs.stop();                // flushes: every event recorded so far has been delivered
        }
        List<Site> sites = new ArrayList<>();
        bySite.forEach((k, v) -> sites.add(new Site(k.get(0), k.get(1), v[0], v[1])));
        sites.sort(Comparator.comparingLong(Site::bytes).reversed());
        return new AllocationProfile(duration, total.sum(), count.sum(), sites.subList(0, Math.min(top, sites.size())));
    }

    private static String site(RecordedEvent e) {
        RecordedStackTrace st = e.getStackTrace();
        if (st == null || st.getFrames().isEmpty()) {
            return "(no stack)";
        }
        for (RecordedFrame f : st.getFrames()) {
            String cls = f.getMethod().getType().getName();
            if (!(cls.startsWith("java.") || cls.startsWith("jdk.") || cls.startsWith("sun."))) {
                return describe(f);
            }
        }
        return describe(st.getFrames().getFirst());
    }

    private static String describe(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName() + ":" + f.getLineNumber();
    }
}
