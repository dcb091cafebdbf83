package dev.memkit.buffer;

import dev.memkit.internal.GcRequests;
import dev.memkit.internal.LeakReporting;
import dev.memkit.leak.LeakDetection;
import dev.memkit.leak.LeakReport;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.ReferenceQueue;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Leak detection for one pool: records what each lease's watch needs, reclaims the blocks the GC found
 * unreachable while leased, and reports them.
 *
 * <p><b>Design.</b> Every block carries one long-lived phantom {@link Block.Watch} (see {@link Block}), so
 * watching a lease allocates nothing: acquire stores the requested size and the site (null unless sampled) in
 * the watch; release touches it only in PARANOID mode, to close the lease's guard. Every mode but
 * {@link LeakDetection#DISABLED} therefore counts and reclaims every leak; the modes differ only in how many
 * acquisition sites they record.
 *
 * <p><b>Concurrency.</b> A watch is enqueued only once its block is unreachable, when no release of it can
 * happen any more, so {@link #poll} never races a release for a block. {@link #poll} may run on any thread:
 * the queue hands each watch to one poller.
 */
final class Leaks {
    /** Whether the one warning of a PARANOID pool without native access was logged (once per JVM). */
    private static final AtomicBoolean PARANOID_WARNED = new AtomicBoolean();
    private static final java.util.Set<String> INTERNAL_FRAMES = java.util.Set.of(
            BufferPool.class.getName(), Leaks.class.getName(), LeakReporting.class.getName());
    private final String poolName;
    private final HugeAllocations huge;
    private final PageHeap pageHeap;                // null without page release
    private final LeakDetection mode;
    private final boolean everySite;                // ALL or PARANOID: every acquire records its site
    private final boolean paranoid;
    private final Consumer<LeakReport> listener;
    final ReferenceQueue<Block> queue = new ReferenceQueue<>();
    private final AtomicLong detected = new AtomicLong();
    private final AtomicLong quarantined = new AtomicLong();
    private final GcRequests gcRequests = new GcRequests(TimeUnit.SECONDS.toNanos(1));

    Leaks(String poolName, HugeAllocations huge, PageHeap pageHeap, LeakDetection mode,
          Consumer<LeakReport> listener) {
        this.poolName = poolName;
        this.huge = huge;
        this.pageHeap = pageHeap;
        this.mode = mode;
        this.everySite = mode == LeakDetection.ALL || mode == LeakDetection.PARANOID;
        this.paranoid = mode == LeakDetection.PARANOID && nativeAccess();
        this.listener = listener;
    }

    /**
     * PARANOID guards views with a restricted call: without native access it degrades to ALL, saying so once.
     */
    private static boolean nativeAccess() {
        if (Leaks.class.getModule().isNativeAccessEnabled()) {
            return true;
        }
        if (PARANOID_WARNED.compareAndSet(false, true)) {
            BufferPool.log(System.Logger.Level.WARNING, "LeakDetection.PARANOID needs native access to invalidate "
                    + "views at release (run with --enable-native-access=dev.memkit, or ALL-UNNAMED on the class "
                    + "path); without it, pools in this mode record every site as LeakDetection.ALL does", null);
        }
        return false;
    }

    /** Whether blocks carry watches (every mode but DISABLED). */
    boolean watching() {
        return mode != LeakDetection.DISABLED;
    }

    /** {@code sampled} is the pool's one-in-{@code rate} decision for this acquire. */
    void onAcquire(Block.Watch w, long size, boolean sampled) {
        w.requestedBytes = size;
        w.viewed = false;
        // Overwritten on every acquire, never cleared at release: a watch is enqueued only while its block is
        // leased, so a released lease's site is never reported, and release need not touch the watch at all.
        w.site = sampled || everySite ? LeakReporting.site() : null;
        if (paranoid) {
            w.guard = Arena.ofShared();
        }
    }

    /** Whether a release must call {@link #onRelease} (only PARANOID leases hold something to end). */
    boolean releaseNeedsWatch() {
        return paranoid;
    }

    void onRelease(Block.Watch w) {
        Arena guard = w.guard;
        if (guard != null) {
            w.guard = null;
            guard.close();
        }
    }

    /**
     * A view of {@code block}'s lease as handed out: PARANOID scopes it to the lease; other modes hand out the
     * slab-scoped view and mark the lease as viewed, so that if it leaks its block is quarantined instead of reused
     * (a view may outlive the lease).
     */
    MemorySegment guardView(MemorySegment view, Block block) {
        Block.Watch w = block.watch;
        if (w == null) {
            return view;
        }
        w.viewed = true;
        return paranoid ? guard(view, w) : view;
    }

    /**
     * Marks {@code block}'s lease as having handed out a view (see {@link #guardView}) and says whether the view may
     * be a plain slice of the slab: false under PARANOID, whose views need a scope of their own.
     */
    boolean markViewed(Block block) {
        Block.Watch w = block.watch;
        if (w != null) {
            w.viewed = true;
        }
        return !paranoid;
    }

    @SuppressWarnings("restricted") // PARANOID only: re-scope the view to the lease, documented in module-info
    private static MemorySegment guard(MemorySegment view, Block.Watch w) {
        Arena guard = w.guard;
        return guard == null ? view : view.reinterpret(guard, null);
    }

    /** Reclaims and reports every lease the GC found unreachable. Cheap when there is none. */
    void poll() {
        for (Object ref; (ref = queue.poll()) != null; ) {
            reclaim((Block.Watch) ref);
        }
    }

    /**
     * For an acquire about to time out at the limit: some leased blocks may be leaks the GC has not looked at yet,
     * and in a service whose data lives off-heap the heap can stay quiet, with no GC, for minutes. So, as the JDK's
     * direct-buffer allocator does before it throws at {@code MaxDirectMemorySize}, ask for a GC
     * ({@link GcRequests}: at most once a second per pool), wait up to {@code maxWaitNanos} for the reference
     * handler to enqueue what it found, and reclaim it.
     *
     * @return true if any leaked lease was reclaimed
     */
    boolean collectUnreachable(long maxWaitNanos) {
        long before = detected.get();
        if (!watching() || !gcRequests.request()) {
            return false;
        }
        try {
            Object first = queue.remove(Math.max(1, TimeUnit.NANOSECONDS.toMillis(maxWaitNanos)));
            if (first != null) {
                reclaim((Block.Watch) first);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the caller's wait sees it and gives up
        }
        poll();
        return detected.get() > before;
    }

    /**
     * Reclaims a leaked block, or quarantines it. A PARANOID lease's views die with its guard, closed here first;
     * in the other modes a view holds the slab's memory, not the block, so a lease that handed one out may still
     * be reachable through it: reusing its block would give it two owners. Such a block stays out for good,
     * counted as leased, and the report says so.
     */
    private void reclaim(Block.Watch w) {
        Arena guard = w.guard;
        if (guard != null) {
            guard.close();
        }
        Throwable site = w.site;
        long requested = w.requestedBytes;
        detected.incrementAndGet();
        boolean reuse = guard != null || !w.viewed;
        Slab slab = w.slab;
        if (!reuse) {
            quarantined.incrementAndGet();
        } else if (slab.depot == null) {
            huge.released(slab, requested, false);
        } else {
            slab.depot.reclaim(w);
            slab.depot.countRelease(requested, false);
        }
        LeakReporting.deliver(listener, new LeakReport(poolName, Buffer.class.getName(), requested, site, reuse));
    }

    /** How many GCs {@link #collectUnreachable} asked for (for tests). */
    long gcRequests() {
        return gcRequests.count();
    }

    long detected() {
        return detected.get();
    }

    long quarantined() {
        return quarantined.get();
    }

    String describeOutstanding(BufferPoolStats stats, ClassDepot[] depots) {
        List<Slab> slabs = new ArrayList<>(huge.slabs());
        if (pageHeap != null) {
            slabs.addAll(pageHeap.leasedSnapshot());
        }
        for (ClassDepot d : depots) {
            slabs.addAll(d.slabsSnapshot());
        }
        StringBuilder sb = new StringBuilder("BufferPool '").append(poolName).append("' has ")
                .append(stats.leasedCount()).append(" unreleased buffer(s), ").append(stats.leasedBytes())
                .append(" bytes");
        int listed = 0;
        for (Slab s : slabs) {
            for (int i = 0; i < s.capacity && listed < 20; i++) {
                Block.Watch w = s.watchAt(i);
                Throwable site = w == null ? null : w.site;
                if (site != null) {
                    listed++;
                    sb.append("\n  ").append(w.requestedBytes).append(" bytes, ").append(site.getMessage());
                    int frames = 0;
                    for (StackTraceElement e : site.getStackTrace()) {
                        if (!INTERNAL_FRAMES.contains(e.getClassName()) && frames++ < 12) {
                            sb.append("\n      at ").append(e);
                        }
                    }
                }
            }
        }
        if (listed == 0) {
            sb.append(" (no allocation sites recorded: use LeakDetection.ALL or PARANOID to record them)");
        }
        return sb.toString();
    }
}
