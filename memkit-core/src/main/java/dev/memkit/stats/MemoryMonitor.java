package dev.memkit.stats;

import dev.memkit.ByteSize;
import dev.memkit.manager.MemoryManager;
import dev.memkit.internal.Durations;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Samples {@link MemoryStats} every interval into a bounded history, logs a one-line summary through
 * {@code System.Logger}, and notifies listeners.
 *
 * <pre>{@code
 * try (MemoryMonitor monitor = MemoryMonitor.builder().manager(memory).interval(Duration.ofSeconds(1)).start()) {
 *     ... monitor.history() ... monitor.latest() ...
 * }
 * }</pre>
 *
 * <p><b>Cost.</b> One snapshot per interval on one daemon platform thread ("memkit-monitor"); the measured cost of
 * a snapshot and the monitor's CPU share at 1 s and 100 ms intervals are in docs/BENCHMARKS.md.
 *
 * <p><b>Ownership and thread-safety.</b> The monitor owns its thread and its collector; {@link #close()} stops
 * both. Every method is thread-safe. Listeners run on the monitor's thread and must be quick; an exception from a
 * listener is logged and the monitor carries on.
 *
 * @since 0.1
 */
public final class MemoryMonitor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MemoryMonitor.class.getName());

    private final MemoryStatsCollector collector;
    private final long intervalNanos;
    private final int historySize;
    private final System.Logger.Level logLevel;
    private final List<Consumer<MemoryStats>> listeners = new CopyOnWriteArrayList<>();
    private final ArrayDeque<MemoryStats> history;      // guarded by itself
    private final Thread thread;
    private volatile boolean closed;

    private MemoryMonitor(Builder b) {
        MemoryStatsCollector.Builder cb = MemoryStatsCollector.builder().pauseWindow(b.pauseWindow)
                .jfrPauses(b.jfrPauses);
        if (b.manager != null) {
            cb.manager(b.manager);
        }
        collector = cb.build();
        intervalNanos = Durations.saturatedNanos(b.interval);
        historySize = b.historySize;
        logLevel = b.logLevel;
        listeners.addAll(b.listeners);
        history = new ArrayDeque<>(historySize);
        thread = Thread.ofPlatform().daemon().name("memkit-monitor").unstarted(this::run);
    }

    /**
     * Starts configuring a monitor.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    private void run() {
        sample();
        while (!closed) {
            LockSupport.parkNanos(this, intervalNanos);
            if (!closed) {
                sample();
            }
        }
    }

    private void sample() {
        MemoryStats s;
        try {
            s = collector.snapshot();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "memory snapshot failed", e);
            return;
        }
        synchronized (history) {
            if (history.size() == historySize) {
                history.removeFirst();
            }
            history.addLast(s);
        }
        if (LOG.isLoggable(logLevel)) {
            LOG.log(logLevel, summary(s));
        }
        for (Consumer<MemoryStats> l : listeners) {
            try {
                l.accept(s);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "memory monitor listener threw", e);
            }
        }
    }

    /**
     * The samples kept, oldest first.
     *
     * @return a copy of the history
     */
    public List<MemoryStats> history() {
        synchronized (history) {
            return new ArrayList<>(history);
        }
    }

    /**
     * The history as compact JSON, for charts: the form the debug page reads (fields in docs/DEBUG-ENDPOINT.md).
     *
     * @return a JSON document
     */
    public String historyJson() {
        return StatsJson.history(history());
    }

    /**
     * The newest sample.
     *
     * @return the sample, or null before the first one
     */
    public MemoryStats latest() {
        synchronized (history) {
            return history.peekLast();
        }
    }

    /**
     * Adds a listener called with every new sample, on the monitor's thread.
     *
     * @param listener the listener
     */
    public void addListener(Consumer<MemoryStats> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * The sampling interval.
     *
     * @return the interval
     */
    public Duration interval() {
        return Duration.ofNanos(intervalNanos);
    }

    /**
     * The monitor's thread, for measuring its CPU time.
     *
     * @return the thread
     */
    public Thread thread() {
        return thread;
    }

    /**
     * A one-line summary of a snapshot, as logged: heap now and after GC, RSS, NIO and memkit off-heap, GC pause
     * percentiles, allocation rate.
     *
     * @param s the snapshot
     * @return the line
     */
    public static String summary(MemoryStats s) {
        StringBuilder sb = new StringBuilder("memory: heap ").append(ByteSize.format(s.heapUsedBytes()));
        if (s.heapMaxBytes() > 0) {
            sb.append('/').append(ByteSize.format(s.heapMaxBytes()));
        }
        sb.append(" (after GC ").append(ByteSize.format(s.heapUsedAfterGcBytes())).append(')');
        if (s.rssBytes() >= 0) {
            sb.append(", rss ").append(ByteSize.format(s.rssBytes()));
        }
        sb.append(", nio ").append(ByteSize.format(s.nioUsedBytes()));
        if (s.memkit() != null) {
            sb.append(", memkit ").append(ByteSize.format(s.memkit().usedBytes())).append('/')
                    .append(ByteSize.format(s.memkit().limitBytes())).append(' ').append(s.memkit().pressure());
        }
        MemoryStats.Pauses p = s.pauses();
        sb.append(String.format(Locale.ROOT, ", gc %d pauses/%ds", p.count(), p.windowSeconds()));
        if (p.count() > 0) {
            sb.append(String.format(Locale.ROOT, " p50 %.0f ms p99 %.0f ms max %.0f ms", p.p50Millis(),
                    p.p99Millis(), p.maxMillis()));
        }
        if (!Double.isNaN(s.allocationRateBytesPerSecond())) {
            sb.append(", alloc ").append(ByteSize.format((long) s.allocationRateBytesPerSecond())).append("/s");
        }
        return sb.toString();
    }

    /** Stops sampling and the GC listener. Idempotent. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        collector.close();
    }

    /** Configuration of a {@link MemoryMonitor}. Not thread-safe; start once. */
    public static final class Builder {
        private MemoryManager manager;
        private Duration interval = Duration.ofSeconds(1);
        private Duration pauseWindow = Duration.ofSeconds(60);
        private boolean jfrPauses;
        private int historySize = 600;
        private System.Logger.Level logLevel = System.Logger.Level.DEBUG;
        private final List<Consumer<MemoryStats>> listeners = new ArrayList<>();

        private Builder() {
        }

        /**
         * Includes a manager's budgets and pools in every sample.
         *
         * @param manager the manager
         * @return this builder
         */
        public Builder manager(MemoryManager manager) {
            this.manager = Objects.requireNonNull(manager, "manager");
            return this;
        }

        /**
         * Time between samples. Default 1 s.
         *
         * @param interval at least 10 ms
         * @return this builder
         */
        public Builder interval(Duration interval) {
            if (Objects.requireNonNull(interval, "interval").toMillis() < 10) {
                throw new IllegalArgumentException("interval must be at least 10 ms: " + interval);
            }
            this.interval = interval;
            return this;
        }

        /**
         * The window GC pause percentiles cover. Default 60 s.
         *
         * @param window at least 1 s
         * @return this builder
         */
        public Builder pauseWindow(Duration window) {
            this.pauseWindow = Objects.requireNonNull(window, "window");
            return this;
        }

        /**
         * Times GC pauses with JFR, in nanoseconds, instead of the collectors' millisecond notifications (see
         * {@link MemoryStatsCollector.Builder#jfrPauses}). Default off.
         *
         * @param enabled true for JFR
         * @return this builder
         */
        public Builder jfrPauses(boolean enabled) {
            this.jfrPauses = enabled;
            return this;
        }

        /**
         * Samples kept. Default 600 (10 minutes at 1 s).
         *
         * @param samples between 1 and 1,000,000
         * @return this builder
         */
        public Builder historySize(int samples) {
            if (samples < 1 || samples > 1_000_000) {
                throw new IllegalArgumentException("historySize must be in [1, 1000000]: " + samples);
            }
            this.historySize = samples;
            return this;
        }

        /**
         * The level of the one-line summary logged per sample. Default DEBUG (raise it to see it by default).
         *
         * @param level the level; {@code OFF} logs nothing
         * @return this builder
         */
        public Builder logLevel(System.Logger.Level level) {
            this.logLevel = Objects.requireNonNull(level, "level");
            return this;
        }

        /**
         * A listener called with every sample.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(Consumer<MemoryStats> listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Builds the monitor and starts sampling (the first sample is taken at once).
         *
         * @return the running monitor
         */
        public MemoryMonitor start() {
            MemoryMonitor m = new MemoryMonitor(this);
            m.thread.start();
            return m;
        }
    }
}
