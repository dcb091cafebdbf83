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
 * <p><b>Weights count the window only.</b> A sample's weight is what its thread allocated since that thread's
 * previous sample, which for the first sample of a thread in the window may lie long before the window (or be
 * everything the thread allocated since it started, if nothing sampled it before). So a thread's first sample is
 * held back until the end and then capped at what the thread allocated during the window, as
 * {@code ThreadMXBean.getThreadAllocatedBytes} counts it, less its later samples: no thread is credited with more
 * than it allocated in the window. Threads the bean cannot measure (virtual threads, threads that ended during the
 * window) keep JFR's weight.
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
        Map<Long, Sample> firstByThread = new ConcurrentHashMap<>();   // each thread's first sample, held back
        Map<Long, LongAdder> laterByThread = new ConcurrentHashMap<>(); // the weights of its later samples
        ThreadAllocation allocated = new ThreadAllocation();
        try (RecordingStream rs = new RecordingStream()) {
            rs.enable("jdk.ObjectAllocationSample").with("throttle", SAMPLES_PER_SECOND + "/s").withStackTrace();
            rs.onEvent("jdk.ObjectAllocationSample", e -> {
                Sample sample = new Sample(List.of(site(e), e.getClass("objectClass").getName()), e.getLong("weight"));
                long thread = e.getThread("eventThread") == null ? -1 : e.getThread("eventThread").getJavaThreadId();
                if (thread < 0 || firstByThread.putIfAbsent(thread, sample) != null) {
                    laterByThread.computeIfAbsent(thread, t -> new LongAdder()).add(sample.weight());
                    sample.addTo(bySite, sample.weight());
                }
            });
            allocated.start();
            rs.startAsync();
            Thread.sleep(duration);
            allocated.end();
            rs.stop();                // flushes: every event recorded so far has been delivered
        }
        firstByThread.forEach((thread, first) -> {
            long inWindow = allocated.since(thread);
            LongAdder later = laterByThread.get(thread);
            long weight = inWindow < 0 ? first.weight()
                    : Math.min(first.weight(), Math.max(0, inWindow - (later == null ? 0 : later.sum())));
            first.addTo(bySite, weight);
        });
        long total = 0;
        long count = 0;
        List<Site> sites = new ArrayList<>();
        for (Map.Entry<List<String>, long[]> e : bySite.entrySet()) {
            sites.add(new Site(e.getKey().get(0), e.getKey().get(1), e.getValue()[0], e.getValue()[1]));
            total += e.getValue()[0];
            count += e.getValue()[1];
        }
        sites.sort(Comparator.comparingLong(Site::bytes).reversed());
        return new AllocationProfile(duration, total, count, sites.subList(0, Math.min(top, sites.size())));
    }

    /** One sample: its site key (frame, class) and its weight in bytes. */
    private record Sample(List<String> key, long weight) {
        void addTo(Map<List<String>, long[]> bySite, long bytes) {
            long[] acc = bySite.computeIfAbsent(key, k -> new long[2]);
            synchronized (acc) {
                acc[0] += bytes;
                acc[1]++;
            }
        }
    }

    /** Per-thread allocated bytes at the window's start and end, from the JVM's own counters. */
    private static final class ThreadAllocation {
        private final com.sun.management.ThreadMXBean bean =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        private final boolean measured = bean.isThreadAllocatedMemorySupported()
                && bean.isThreadAllocatedMemoryEnabled();
        private Map<Long, Long> atStart = Map.of();
        private Map<Long, Long> atEnd = Map.of();

        void start() {
            atStart = snapshot();
        }

        void end() {
            atEnd = snapshot();
        }

        private Map<Long, Long> snapshot() {
            Map<Long, Long> m = new java.util.HashMap<>();
            if (measured) {
                long[] ids = bean.getAllThreadIds();      // platform threads; virtual threads are not measured
                long[] bytes = bean.getThreadAllocatedBytes(ids);
                for (int i = 0; i < ids.length; i++) {
                    if (bytes[i] >= 0) {
                        m.put(ids[i], bytes[i]);
                    }
                }
            }
            return m;
        }

        /** Bytes {@code thread} allocated in the window, or -1 when unknown (not alive at its end). */
        long since(long thread) {
            Long end = atEnd.get(thread);
            if (end == null) {
                return -1;
            }
            return end - atStart.getOrDefault(thread, 0L);   // absent at the start: started in the window
        }
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
