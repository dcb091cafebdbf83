package dev.memkit.micrometer;

import dev.memkit.manager.MemoryManager;
import dev.memkit.manager.MemoryManagerStats;
import dev.memkit.budget.MemoryBudget;
import dev.memkit.buffer.BufferPoolStats;
import dev.memkit.pool.BoundedPoolStats;
import dev.memkit.pool.LocalPoolStats;
import dev.memkit.stats.MemoryStats;
import dev.memkit.stats.MemoryStatsCollector;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Binds a {@link MemoryManager}'s budgets, pressure and pools to a Micrometer registry, following Micrometer's
 * conventions: dot-separated lowercase names (each registry renders them its own way, e.g.
 * {@code memkit_budget_used_bytes} in Prometheus), base units (bytes), and tags for the pool or budget.
 *
 * <pre>{@code
 * new MemkitMetrics(memory).bindTo(registry);
 * }</pre>
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>memkit.budget.limit</td><td>gauge, bytes</td><td>budget</td><td>the budget's limit</td></tr>
 *   <tr><td>memkit.budget.used</td><td>gauge, bytes</td><td>budget</td><td>reserved on it now</td></tr>
 *   <tr><td>memkit.budget.refusals</td><td>counter</td><td>budget</td><td>reservations refused</td></tr>
 *   <tr><td>memkit.pressure.level</td><td>gauge</td><td></td><td>0 NORMAL, 1 ELEVATED, 2 CRITICAL</td></tr>
 *   <tr><td>memkit.pressure</td><td>gauge</td><td></td><td>the last reading, a fraction</td></tr>
 *   <tr><td>memkit.breaker.open</td><td>gauge</td><td></td><td>1 while non-critical budgets are refused</td></tr>
 *   <tr><td>memkit.buffer.pool.limit / .reserved / .leased / .idle</td><td>gauges, bytes</td><td>pool</td>
 *       <td>the buffer pool's limit, native bytes held, leased, idle</td></tr>
 *   <tr><td>memkit.buffer.pool.acquires / .misses / .leaks</td><td>counters</td><td>pool</td>
 *       <td>leases, leases needing fresh memory, leaks reclaimed</td></tr>
 *   <tr><td>memkit.object.pool.gets / .hits / .puts / .dropped</td><td>counters</td><td>pool, kind=local</td>
 *       <td>LocalPool operations</td></tr>
 *   <tr><td>memkit.object.pool.idle</td><td>gauge</td><td>pool, kind</td><td>idle objects</td></tr>
 *   <tr><td>memkit.object.pool.leased / .waiters / .capacity</td><td>gauges</td><td>pool, kind=bounded</td>
 *       <td>BoundedPool leases, waiting threads, capacity</td></tr>
 *   <tr><td>memkit.object.pool.created / .destroyed / .timeouts / .leaks</td><td>counters</td>
 *       <td>pool, kind=bounded</td><td>BoundedPool lifecycle</td></tr>
 *   <tr><td>memkit.object.pool.wait</td><td>function timer</td><td>pool, kind=bounded</td>
 *       <td>acquires that waited, and their total wait</td></tr>
 *   <tr><td>memkit.process.rss / .virtual</td><td>gauges, bytes</td><td></td>
 *       <td>the process's resident and virtual size (Linux)</td></tr>
 *   <tr><td>memkit.nmt.reserved / .committed</td><td>gauges, bytes</td><td></td>
 *       <td>Native Memory Tracking's totals, when the JVM runs with NMT</td></tr>
 *   <tr><td>memkit.heap.allocation.rate</td><td>gauge, bytes (per second)</td><td></td>
 *       <td>heap allocation by all threads since the previous reading</td></tr>
 *   <tr><td>memkit.gc.pause</td><td>gauges, seconds</td><td>quantile = 0.5, 0.99, max</td>
 *       <td>stop-the-world GC pauses over the last minute (concurrent cycles are not pauses)</td></tr>
 * </table>
 *
 * <p><b>Pools and budgets created later appear too.</b> Every refresh of the snapshot (at a scrape) looks for pools
 * and budgets that have no meters yet and registers them in every registry this binder is bound to, so they are
 * scraped from the next scrape on. Values come from one statistics snapshot shared by all meters and refreshed at
 * most every 500 ms, so a scrape costs one snapshot, not one per meter. Thread-safe.
 *
 * @since 0.1
 */
public final class MemkitMetrics implements MeterBinder, AutoCloseable {
    private static final long SNAPSHOT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final MemoryManager manager;
    private final Iterable<Tag> tags;
    private final MemoryStatsCollector jvm;  // process, NMT, allocation and pause figures
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    private final Map<MeterRegistry, Set<String>> bound = new IdentityHashMap<>(); // "kind:name" bound, per registry
    private MemoryManagerStats snapshot;     // guarded by this
    private MemoryStats jvmSnapshot;         // guarded by this
    private long snapshotAt;

    /**
     * A binder for {@code manager}.
     *
     * @param manager the manager to expose
     */
    public MemkitMetrics(MemoryManager manager) {
        this(manager, Tags.empty());
    }

    /**
     * A binder for {@code manager} that adds {@code tags} to every meter.
     *
     * @param manager the manager to expose
     * @param tags common tags, e.g. {@code manager=ingest}
     */
    public MemkitMetrics(MemoryManager manager, Iterable<Tag> tags) {
        this.manager = Objects.requireNonNull(manager, "manager");
        this.tags = Objects.requireNonNull(tags, "tags");
        this.jvm = MemoryStatsCollector.builder().nativeMemoryTracking(true).build();
    }

    private MemoryManagerStats stats() {
        return refreshed();
    }

    private MemoryStats jvmStats() {
        refreshed();
        synchronized (this) {
            return jvmSnapshot;
        }
    }

    /** The manager's snapshot, refreshed at most every 500 ms; a refresh also binds pools and budgets new since. */
    private MemoryManagerStats refreshed() {
        MemoryManagerStats s;
        boolean fresh = false;
        synchronized (this) {
            long now = System.nanoTime();
            if (snapshot == null || now - snapshotAt > SNAPSHOT_NANOS) {
                snapshot = manager.stats();
                jvmSnapshot = jvm.snapshot();
                snapshotAt = now;
                fresh = true;
            }
            s = snapshot;
        }
        if (fresh) {
            for (MeterRegistry r : registries) {
                bindNew(r, s);
            }
        }
        return s;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        registries.add(registry);
        Gauge.builder("memkit.pressure.level", this, m -> m.stats().pressure().ordinal()).tags(tags)
                .description("Memory pressure: 0 NORMAL, 1 ELEVATED, 2 CRITICAL").register(registry);
        Gauge.builder("memkit.pressure", this, m -> m.stats().lastPressure()).tags(tags)
                .description("The last pressure reading, a fraction of the limit").register(registry);
        Gauge.builder("memkit.breaker.open", this, m -> m.stats().breakerOpen() ? 1 : 0).tags(tags)
                .description("1 while non-critical budgets are refused").register(registry);
        bindJvm(registry);
        MemoryManagerStats s;
        synchronized (this) {
            s = snapshot == null ? manager.stats() : snapshot;
        }
        bindNew(registry, s);
    }

    /** Registers meters for every pool and budget of {@code s} (and the budget tree) not bound yet. */
    private void bindNew(MeterRegistry registry, MemoryManagerStats s) {
        List<MemoryBudget> budgets = new ArrayList<>();
        collect(manager.budget(), budgets);
        for (MemoryBudget b : budgets) {
            if (firstTime(registry, "budget:" + b.path())) {
                bindBudget(registry, b);
            }
        }
        for (BufferPoolStats p : s.pools()) {
            if (firstTime(registry, "buffer:" + p.pool())) {
                bindBufferPool(registry, p.pool());
            }
        }
        for (LocalPoolStats p : s.localPools()) {
            if (firstTime(registry, "local:" + p.pool())) {
                bindLocalPool(registry, p.pool());
            }
        }
        for (BoundedPoolStats p : s.boundedPools()) {
            if (firstTime(registry, "bounded:" + p.pool())) {
                bindBoundedPool(registry, p.pool());
            }
        }
    }

    private synchronized boolean firstTime(MeterRegistry registry, String key) {
        return bound.computeIfAbsent(registry, r -> new HashSet<>()).add(key);
    }

    private void bindBudget(MeterRegistry registry, MemoryBudget b) {
        Tags t = Tags.of(tags).and("budget", b.path());
        Gauge.builder("memkit.budget.limit", b, MemoryBudget::limit).tags(t).baseUnit(BaseUnits.BYTES)
                .description("The memkit budget's limit").register(registry);
        Gauge.builder("memkit.budget.used", b, MemoryBudget::used).tags(t).baseUnit(BaseUnits.BYTES)
                .description("Bytes reserved on the memkit budget").register(registry);
        FunctionCounter.builder("memkit.budget.refusals", b, MemoryBudget::refusals).tags(t)
                .description("Reservations the budget refused").register(registry);
    }

    private void bindJvm(MeterRegistry registry) {
        jvmGauge(registry, "memkit.process.rss", BaseUnits.BYTES, s -> positive(s.rssBytes()),
                "The process's resident set size");
        jvmGauge(registry, "memkit.process.virtual", BaseUnits.BYTES, s -> positive(s.virtualBytes()),
                "The process's virtual size");
        if (jvmStats().nmtCommittedBytes() >= 0) {
            jvmGauge(registry, "memkit.nmt.reserved", BaseUnits.BYTES, s -> positive(s.nmtReservedBytes()),
                    "Native Memory Tracking: total reserved");
            jvmGauge(registry, "memkit.nmt.committed", BaseUnits.BYTES, s -> positive(s.nmtCommittedBytes()),
                    "Native Memory Tracking: total committed");
        }
        jvmGauge(registry, "memkit.heap.allocation.rate", BaseUnits.BYTES, MemoryStats::allocationRateBytesPerSecond,
                "Heap bytes allocated per second by all threads, since the previous reading");
        pauseGauge(registry, "0.5", MemoryStats.Pauses::p50Millis);
        pauseGauge(registry, "0.99", MemoryStats.Pauses::p99Millis);
        pauseGauge(registry, "max", MemoryStats.Pauses::maxMillis);
    }

    private void jvmGauge(MeterRegistry r, String meter, String unit, ToDoubleFunction<MemoryStats> f,
                          String description) {
        Gauge.builder(meter, this, m -> f.applyAsDouble(m.jvmStats())).tags(tags).baseUnit(unit)
                .description(description).register(r);
    }

    private void pauseGauge(MeterRegistry r, String quantile, ToDoubleFunction<MemoryStats.Pauses> millis) {
        Gauge.builder("memkit.gc.pause", this, m -> millis.applyAsDouble(m.jvmStats().pauses()) / 1000)
                .tags(Tags.of(tags).and("quantile", quantile)).baseUnit("seconds")
                .description("Stop-the-world GC pauses over the last minute").register(r);
    }

    private static double positive(long v) {
        return v < 0 ? Double.NaN : v;
    }

    private void bindBufferPool(MeterRegistry registry, String name) {
        Tags t = Tags.of(tags).and("pool", name);
        bufferGauge(registry, "memkit.buffer.pool.limit", t, name, BufferPoolStats::limitBytes, "The pool's limit");
        bufferGauge(registry, "memkit.buffer.pool.reserved", t, name, BufferPoolStats::reservedBytes,
                "Native bytes the pool holds");
        bufferGauge(registry, "memkit.buffer.pool.leased", t, name, BufferPoolStats::leasedBytes,
                "Bytes requested by live leases");
        bufferGauge(registry, "memkit.buffer.pool.idle", t, name, BufferPoolStats::idleBytes,
                "Bytes of free blocks the pool holds");
        bufferCounter(registry, "memkit.buffer.pool.acquires", t, name, BufferPoolStats::acquires, "Leases");
        bufferCounter(registry, "memkit.buffer.pool.misses", t, name, BufferPoolStats::misses,
                "Leases that needed fresh memory");
        bufferCounter(registry, "memkit.buffer.pool.leaks", t, name, BufferPoolStats::leaksDetected,
                "Leases reclaimed because they became unreachable unreleased");
    }

    private BufferPoolStats bufferPool(String name) {
        return stats().pools().stream().filter(p -> p.pool().equals(name)).findFirst().orElse(null);
    }

    private void bufferGauge(MeterRegistry r, String meter, Tags t, String pool, ToDoubleFunction<BufferPoolStats> f,
                             String description) {
        Gauge.builder(meter, this, m -> valueOf(m.bufferPool(pool), f)).tags(t).baseUnit(BaseUnits.BYTES)
                .description(description).register(r);
    }

    private void bufferCounter(MeterRegistry r, String meter, Tags t, String pool,
                               ToDoubleFunction<BufferPoolStats> f, String description) {
        FunctionCounter.builder(meter, this, m -> valueOf(m.bufferPool(pool), f)).tags(t).description(description)
                .register(r);
    }

    private void bindLocalPool(MeterRegistry registry, String name) {
        Tags t = Tags.of(tags).and("pool", name).and("kind", "local");
        localCounter(registry, "memkit.object.pool.gets", t, name, LocalPoolStats::gets);
        localCounter(registry, "memkit.object.pool.hits", t, name, LocalPoolStats::hits);
        localCounter(registry, "memkit.object.pool.puts", t, name, LocalPoolStats::puts);
        localCounter(registry, "memkit.object.pool.dropped", t, name, LocalPoolStats::dropped);
        Gauge.builder("memkit.object.pool.idle", this, m -> valueOf(m.localPool(name), LocalPoolStats::idle)).tags(t)
                .description("Idle objects").register(registry);
    }

    private LocalPoolStats localPool(String name) {
        return stats().localPools().stream().filter(p -> p.pool().equals(name)).findFirst().orElse(null);
    }

    private void localCounter(MeterRegistry r, String meter, Tags t, String pool, ToDoubleFunction<LocalPoolStats> f) {
        FunctionCounter.builder(meter, this, m -> valueOf(m.localPool(pool), f)).tags(t).register(r);
    }

    private void bindBoundedPool(MeterRegistry registry, String name) {
        Tags t = Tags.of(tags).and("pool", name).and("kind", "bounded");
        boundedGauge(registry, "memkit.object.pool.leased", t, name, BoundedPoolStats::leased);
        boundedGauge(registry, "memkit.object.pool.idle", t, name, BoundedPoolStats::idle);
        boundedGauge(registry, "memkit.object.pool.waiters", t, name, BoundedPoolStats::waiters);
        boundedGauge(registry, "memkit.object.pool.capacity", t, name, BoundedPoolStats::capacity);
        boundedCounter(registry, "memkit.object.pool.created", t, name, BoundedPoolStats::created);
        boundedCounter(registry, "memkit.object.pool.destroyed", t, name, BoundedPoolStats::destroyed);
        boundedCounter(registry, "memkit.object.pool.timeouts", t, name, BoundedPoolStats::timeouts);
        boundedCounter(registry, "memkit.object.pool.leaks", t, name, BoundedPoolStats::leaksDetected);
        FunctionTimer.builder("memkit.object.pool.wait", this,
                        m -> (long) valueOf(m.boundedPool(name), BoundedPoolStats::waits),
                        m -> valueOf(m.boundedPool(name), BoundedPoolStats::waitNanos), TimeUnit.NANOSECONDS)
                .tags(t).description("Acquires that waited for a free object").register(registry);
    }

    private BoundedPoolStats boundedPool(String name) {
        return stats().boundedPools().stream().filter(p -> p.pool().equals(name)).findFirst().orElse(null);
    }

    private void boundedGauge(MeterRegistry r, String meter, Tags t, String pool, ToDoubleFunction<BoundedPoolStats> f) {
        Gauge.builder(meter, this, m -> valueOf(m.boundedPool(pool), f)).tags(t).register(r);
    }

    private void boundedCounter(MeterRegistry r, String meter, Tags t, String pool,
                                ToDoubleFunction<BoundedPoolStats> f) {
        FunctionCounter.builder(meter, this, m -> valueOf(m.boundedPool(pool), f)).tags(t).register(r);
    }

    private static <S> double valueOf(S stats, ToDoubleFunction<S> f) {
        return stats == null ? Double.NaN : f.applyAsDouble(stats);
    }

    /** Stops listening to GC notifications; meters already registered then report the last snapshot. */
    @Override
    public void close() {
        jvm.close();
    }

    private static void collect(MemoryBudget b, List<MemoryBudget> out) {
        out.add(b);
        b.children().forEach(c -> collect(c, out));
    }
}
