package dev.memkit.buffer;

import dev.memkit.internal.MemkitEvents;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.ReferenceQueue;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Leak detection for one pool: decides which leases to track, reclaims the blocks of tracked leases the GC
 * found unreachable, and reports them.
 *
 * <p><b>Concurrency.</b> Tracking state lives in each slab's tracker array (CAS per slot), so acquire and release
 * of different blocks never contend here. Whoever removes a tracker from its slot — {@link #onRelease} or
 * {@link #poll} — owns its retirement, so a block is returned exactly once. {@link #poll} may run on any thread.
 */
final class Leaks {
    private static final java.util.Set<String> INTERNAL_FRAMES = java.util.Set.of(
            BufferPool.class.getName(), Leaks.class.getName(), LeakTracker.class.getName());
    private final BufferPool pool;
    private final LeakDetection mode;
    private final Consumer<LeakReport> listener;
    private final ReferenceQueue<Buffer> queue = new ReferenceQueue<>();
    private final AtomicLong detected = new AtomicLong();

    Leaks(BufferPool pool, LeakDetection mode, Consumer<LeakReport> listener) {
        this.pool = pool;
        this.mode = mode;
        this.listener = listener;
    }

    /** {@code sampled} is the pool's one-in-{@code rate} decision for this acquire. */
    void onAcquire(Buffer lease, Slab slab, int index, long size, boolean sampled) {
        switch (mode) {
            case DISABLED -> {
                return;
            }
            case SAMPLED -> {
                if (!sampled) {
                    return;
                }
            }
            case ALL -> { }
            default -> sampled = true;
        }
        Throwable site = sampled ? new LeakTracker.AllocationSite(Thread.currentThread().getName()) : null;
        Arena guard = mode == LeakDetection.PARANOID ? Arena.ofShared() : null;
        slab.track(index, new LeakTracker(lease, queue, slab, index, size, site, guard));
        poll();
    }

    void onRelease(Slab slab, int index) {
        LeakTracker t = slab.untrack(index);
        if (t != null) {
            t.retire();
        }
    }

    @SuppressWarnings("restricted") // PARANOID only: re-scope the view to the lease, documented in module-info
    MemorySegment guard(MemorySegment view, Slab slab, int index) {
        if (mode != LeakDetection.PARANOID) {
            return view;
        }
        LeakTracker t = slab.trackerAt(index);
        return t == null ? view : view.reinterpret(t.guard, null);
    }

    /** Reclaims and reports every tracked lease the GC found unreachable. */
    void poll() {
        for (Object ref; (ref = queue.poll()) != null; ) {
            LeakTracker t = (LeakTracker) ref;
            if (!t.slab.untrack(t.index, t)) {
                continue; // released normally after all (cannot happen once unreachable, but be exact)
            }
            t.retire();
            detected.incrementAndGet();
            reclaim(t);
            LeakReport report = new LeakReport(pool.name(), t.requestedBytes, t.site);
            MemkitEvents.leak(pool.name(), t.requestedBytes + " bytes", t.site);
            try {
                listener.accept(report);
            } catch (RuntimeException e) {
                BufferPool.log(System.Logger.Level.WARNING, "leak listener of pool '" + pool.name() + "' threw", e);
            }
        }
    }

    private void reclaim(LeakTracker t) {
        Slab slab = t.slab;
        if (slab.depot == null) {
            pool.releaseLeakedHuge(slab, t.requestedBytes);
        } else {
            slab.depot.give(slab, t.index);
            slab.depot.countRelease(t.requestedBytes, false);
        }
    }

    long detected() {
        return detected.get();
    }

    static void logReport(LeakReport report) {
        BufferPool.log(System.Logger.Level.WARNING, report.toString(), report.allocationSite());
    }

    String describeOutstanding(BufferPoolStats stats, ClassDepot[] depots) {
        List<Slab> slabs = new ArrayList<>(pool.hugeSlabs);
        for (ClassDepot d : depots) {
            slabs.addAll(d.slabsSnapshot());
        }
        StringBuilder sb = new StringBuilder("BufferPool '").append(pool.name()).append("' has ")
                .append(stats.leasedCount()).append(" unreleased buffer(s), ").append(stats.leasedBytes())
                .append(" bytes");
        int listed = 0;
        for (Slab s : slabs) {
            for (int i = 0; i < s.capacity && listed < 20; i++) {
                LeakTracker t = s.trackerAt(i);
                if (t != null && t.site != null) {
                    listed++;
                    sb.append("\n  ").append(t.requestedBytes).append(" bytes, ").append(t.site.getMessage());
                    int frames = 0;
                    for (StackTraceElement e : t.site.getStackTrace()) {
                        if (!INTERNAL_FRAMES.contains(e.getClassName()) && frames++ < 12) {
                            sb.append("\n      at ").append(e);
                        }
                    }
                }
            }
        }
        if (listed == 0) {
            sb.append(" (no allocation sites recorded: use LeakDetection.PARANOID to record them)");
        }
        return sb.toString();
    }
}
