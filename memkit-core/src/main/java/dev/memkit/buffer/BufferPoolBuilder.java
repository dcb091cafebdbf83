package dev.memkit.buffer;

import dev.memkit.budget.MemoryBudget;
import dev.memkit.internal.LeakReporting;
import dev.memkit.leak.LeakDetection;
import dev.memkit.leak.LeakReport;
import dev.memkit.internal.MachineMemory;

import java.time.Duration;

/**
 * Configuration of a {@link BufferPool}. Not thread-safe; {@link #build()} copies what it needs.
 *
 * @since 0.1
 */
public final class BufferPoolBuilder {
    String name = "buffers";
    SizeClasses sizeClasses = SizeClasses.defaults();
    long limitBytes = Math.max(64L << 20, MachineMemory.totalBytes() / 4);
    Duration acquireTimeout = Duration.ofSeconds(10);
    long threadCacheBytes = 4L << 20;
    int stripes = Runtime.getRuntime().availableProcessors() * 2;
    long slabBytes = 2L << 20;
    long retainedBytes = 16L << 20;
    double idleHeadroom = 1.0 / 12;
    long maxIdleBytes = 64L << 20;
    Duration idleTimeout = Duration.ofSeconds(1);
    boolean trimNativeHeap = true;
    LeakDetection leakDetection = LeakDetection.SAMPLED;
    int leakSamplingRate = 1024;
    java.util.function.Consumer<LeakReport> leakListener = LeakReporting::log;
    boolean scrubOnRelease;
    MemoryBudget budget;
    boolean pageRelease = true;

    BufferPoolBuilder() {}

    /**
     * A budget charged for every native byte the pool holds (slabs and dedicated allocations), in addition
     * to the pool's own limit. Default: none.
     *
     * @param budget the budget
     * @return this builder
     */
    public BufferPoolBuilder budget(MemoryBudget budget) {
        this.budget = java.util.Objects.requireNonNull(budget, "budget");
        return this;
    }

    /**
     * Name used in messages, the scavenger thread's name and metrics. Default {@code "buffers"}.
     *
     * @param name a non-blank name
     * @return this builder
     */
    public BufferPoolBuilder name(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("pool name must not be blank");
        }
        this.name = name;
        return this;
    }

    /**
     * Size classes. Default {@link SizeClasses#defaults()}.
     *
     * @param classes the classes
     * @return this builder
     */
    public BufferPoolBuilder sizeClasses(SizeClasses classes) {
        this.sizeClasses = java.util.Objects.requireNonNull(classes, "classes");
        return this;
    }

    /**
     * The most native memory the pool may hold. Default: a quarter of the machine's (or container's)
     * physical memory, at least 64 MiB.
     *
     * @param bytes the limit, positive
     * @return this builder
     */
    public BufferPoolBuilder limitBytes(long bytes) {
        this.limitBytes = positive("limitBytes", bytes);
        return this;
    }

    /**
     * How long {@link BufferPool#acquire(long)} waits at the limit. Default 10 s.
     *
     * @param timeout zero or positive
     * @return this builder
     */
    public BufferPoolBuilder acquireTimeout(Duration timeout) {
        this.acquireTimeout = nonNegative("acquireTimeout", timeout);
        return this;
    }

    /**
     * Bytes each thread-cache stripe may hold; 0 disables thread caching. A class larger than a quarter of
     * this is never cached per thread. Default 4 MiB.
     *
     * @param bytes zero or positive
     * @return this builder
     */
    public BufferPoolBuilder threadCacheBytes(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("threadCacheBytes must not be negative: " + bytes);
        }
        this.threadCacheBytes = bytes;
        return this;
    }

    /**
     * Number of thread-cache stripes, rounded up to a power of two, at most 64. Default: twice the number
     * of processors, so platform threads rarely share one.
     *
     * @param count at least 1
     * @return this builder
     */
    public BufferPoolBuilder stripes(int count) {
        if (count < 1 || count > 64) {
            throw new IllegalArgumentException("stripes must be in [1, 64]: " + count);
        }
        this.stripes = count;
        return this;
    }

    /**
     * Size of the native allocations blocks are cut from (a class larger than this gets one block per
     * allocation). Default 2 MiB.
     *
     * @param bytes at least 64 KiB
     * @return this builder
     */
    public BufferPoolBuilder slabBytes(long bytes) {
        if (bytes < (64L << 10) || bytes > SizeClasses.MAX_CLASS) {
            throw new IllegalArgumentException("slabBytes must be in [64 KiB, 1 GiB]: " + bytes);
        }
        this.slabBytes = bytes;
        return this;
    }

    /**
     * Idle bytes kept for reuse when idle memory is returned to the OS. Default 16 MiB.
     *
     * @param bytes zero or positive
     * @return this builder
     */
    public BufferPoolBuilder retainedBytes(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("retainedBytes must not be negative: " + bytes);
        }
        this.retainedBytes = bytes;
        return this;
    }

    /**
     * Ceiling on idle memory, enforced at once when a release crosses it (fully idle slabs are freed,
     * oldest first). Bounds what a workload that drifts across size classes can strand. At least
     * {@code retainedBytes}. Default 64 MiB. With {@link #pageRelease(boolean) page release}, the big classes'
     * idle pages are not counted here: they keep resident at most what their demand's recent peak allows (see
     * {@link #pageRelease(boolean)}).
     *
     * @param bytes zero or positive
     * @return this builder
     */
    public BufferPoolBuilder maxIdleBytes(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("maxIdleBytes must not be negative: " + bytes);
        }
        this.maxIdleBytes = bytes;
        return this;
    }

    /**
     * How long memory must stay idle before the background scavenger returns it; zero disables the
     * scavenger (then only {@link BufferPool#trim()} returns memory). Default 1 s.
     *
     * @param timeout zero or positive
     * @return this builder
     */
    public BufferPoolBuilder idleTimeout(Duration timeout) {
        this.idleTimeout = nonNegative("idleTimeout", timeout);
        return this;
    }

    /**
     * Whether big buffers (classes from 64 KiB) come from a page heap that gives idle physical pages back to the OS.
     * Each such buffer is then a run of whole pages in a large anonymous mapping ({@code mmap}): a request above
     * the thread caches' reach gets exactly the pages it needs (no rounding to its class), and a released run merges
     * with its free neighbours, so its pages, still resident, serve the next request of any size. Idle pages stay
     * resident up to {@link #idleHeadroom(double) 1/12} over the recent peak of what big buffers took (a peak that
     * decays on every scavenger pass, and that {@link BufferPool#trim()} resets; with no scavenger, only
     * {@code trim()} lowers it), or up to
     * {@code retainedBytes} if more; above that, the highest free pages go back to the OS ({@code madvise}). The
     * pool's limit then counts those resident pages, not the mappings. This keeps the pool's resident memory close
     * to what leases asked for, at the price of page faults when purged pages are touched again, and of the
     * {@code madvise} call itself on the acquiring or releasing thread (measured at 50–70 µs per MiB dropped on a
     * 2-vCPU VM, more when the machine is busy). Default true. It takes effect only on Linux when the JVM grants
     * memkit native access ({@code --enable-native-access=dev.memkit}, or {@code ALL-UNNAMED} on the class path),
     * since it calls {@code mmap}, {@code munmap} and {@code madvise} through the FFM linker; otherwise big classes
     * use slabs like the others, and the pool keeps pages until it frees whole idle slabs.
     *
     * @param enabled false to serve big classes from slabs that keep their pages resident (more RSS)
     * @return this builder
     */
    public BufferPoolBuilder pageRelease(boolean enabled) {
        this.pageRelease = enabled;
        return this;
    }

    /**
     * With {@link #pageRelease(boolean) page release}: how far above the recent peak of what big buffers took their
     * idle pages may keep resident memory, as a fraction of that peak. Purged pages cost a page fault each when
     * reused, so this trades RSS for speed: on the footprint trace of docs/BENCHMARKS.md (random sizes up to
     * 16 MiB, steady state), 1/12 kept peak RSS at 1.09–1.16 times the live bytes with 11–16 page faults per
     * buffer, 1/8 at 1.16–1.18 with 8, and 1/4 at 1.22–1.31 with 5, which ran 1.25–1.38 times as many buffers per
     * second as malloc (itself at 1.20–1.27 with 10). Default 1/12.
     *
     * @param fraction between 0 and 16
     * @return this builder
     */
    public BufferPoolBuilder idleHeadroom(double fraction) {
        if (!(fraction >= 0 && fraction <= 16)) {
            throw new IllegalArgumentException("idleHeadroom must be in [0, 16]: " + fraction);
        }
        this.idleHeadroom = fraction;
        return this;
    }

    /**
     * Whether returning memory also asks the C heap to release free pages (through the JDK's
     * {@code System.trim_native_heap} diagnostic command, glibc only). Default true.
     *
     * @param enabled whether to trim
     * @return this builder
     */
    public BufferPoolBuilder trimNativeHeap(boolean enabled) {
        this.trimNativeHeap = enabled;
        return this;
    }

    /**
     * Leak detection mode. Default {@link LeakDetection#SAMPLED}: every leak is counted, reported and reclaimed,
     * and one lease in {@link #leakSamplingRate(int) leakSamplingRate} records where it was acquired.
     *
     * @param mode the mode
     * @return this builder
     */
    public BufferPoolBuilder leakDetection(LeakDetection mode) {
        this.leakDetection = java.util.Objects.requireNonNull(mode, "mode");
        return this;
    }

    /**
     * Under {@link LeakDetection#SAMPLED}, one lease in {@code rate} records its acquisition site (every lease is
     * watched regardless). Recording a site costs a stack capture (about 1.5 µs), so the default, 1024, adds
     * about 1.5 ns per acquire.
     *
     * @param rate at least 1
     * @return this builder
     */
    public BufferPoolBuilder leakSamplingRate(int rate) {
        if (rate < 1) {
            throw new IllegalArgumentException("leakSamplingRate must be at least 1: " + rate);
        }
        this.leakSamplingRate = rate;
        return this;
    }

    /**
     * Receives every detected leak, on whichever thread found it. Default: a WARNING through
     * {@code System.Logger} with the allocation site.
     *
     * @param listener the listener
     * @return this builder
     */
    public BufferPoolBuilder leakListener(java.util.function.Consumer<LeakReport> listener) {
        this.leakListener = java.util.Objects.requireNonNull(listener, "listener");
        return this;
    }

    /**
     * Zero every buffer's bytes when it is released, for callers holding secrets. Default false.
     *
     * @param enabled whether to scrub
     * @return this builder
     */
    public BufferPoolBuilder scrubOnRelease(boolean enabled) {
        this.scrubOnRelease = enabled;
        return this;
    }

    /**
     * Builds the pool. No native memory is taken until the first acquire.
     *
     * @return a new pool
     */
    public BufferPool build() {
        return new BufferPool(this);
    }

    private static long positive(String what, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(what + " must be positive: " + v);
        }
        return v;
    }

    private static Duration nonNegative(String what, Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(what + " must be zero or positive: " + d);
        }
        return d;
    }
}
