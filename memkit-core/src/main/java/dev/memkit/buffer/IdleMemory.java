package dev.memkit.buffer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Finds a pool's idle memory and gives it back: empties thread-cache stripes into the depots, frees fully idle
 * slabs, and keeps the depots' idle bytes under the cap. The three ways a pool reclaims are here, each polling
 * leaks first so leaked blocks count as idle: {@link #reclaimAll} (an acquire at the limit, and close),
 * {@link #scavenge} (the background pass) and {@link #trim} (the caller's request).
 *
 * <p><b>Algorithm.</b> {@link #freeIdle} collects, under each depot's lock, the fully idle slabs with the time they
 * became idle, sorts them oldest first on that snapshot (never on the live field, which other threads change), and
 * frees them while idle bytes exceed what is to be retained; each free re-checks under the depot lock that the
 * slab is still idle. {@link #enforceIdleCap} runs on the release slow path only: above {@code maxIdleBytes} it
 * frees down to 3/4 of the cap; when partly used slabs keep idle memory above the cap anyway, it waits for another
 * quarter-cap of growth before scanning again.
 *
 * <p><b>Concurrency.</b> Takes each depot's monitor in turn, never two at once; {@link #flushStripes} with
 * {@code onlyIdle} never blocks on a busy stripe.
 */
final class IdleMemory {
    private final ClassDepot[] depots;
    private final Stripe[] stripes;
    private final PoolLimit limit;
    final AtomicLong depotIdle;   // bytes on the stacks of depots that keep their pages, maintained by the depots
    private final long maxIdleBytes;
    private final AtomicLong nextCheck = new AtomicLong();
    private final PageHeap pageHeap;      // null without page release
    private final Leaks leaks;

    IdleMemory(ClassDepot[] depots, Stripe[] stripes, PoolLimit limit, AtomicLong depotIdle, long maxIdleBytes,
               PageHeap pageHeap, Leaks leaks) {
        this.pageHeap = pageHeap;
        this.leaks = leaks;
        this.depots = depots;
        this.stripes = stripes;
        this.limit = limit;
        this.depotIdle = depotIdle;
        this.maxIdleBytes = maxIdleBytes;
    }

    /** Everything that makes room without waiting: leaked blocks, every thread cache, every fully idle slab. */
    void reclaimAll() {
        leaks.poll();
        flushStripes(false);
        freeIdle(0, 0);
    }

    /**
     * One background pass: leaked blocks, the thread caches unused since the previous pass, the page heap's decay,
     * and the slabs idle for {@code idleNanos} above {@code retainedBytes}; returns the bytes freed.
     */
    long scavenge(long retainedBytes, long idleNanos) {
        leaks.poll();
        flushStripes(true);
        long freed = pageHeap == null ? 0 : pageHeap.decay(false);
        return freed + freeIdle(retainedBytes, idleNanos);
    }

    /** Everything idle above {@code retainBytes}, now, whatever its age; returns the bytes freed. */
    long trim(long retainBytes) {
        leaks.poll();
        flushStripes(false);
        long freed = pageHeap == null ? 0 : pageHeap.decay(true);
        return freed + freeIdle(retainBytes, 0);
    }

    /** Empties thread caches into the depots; with {@code onlyIdle}, only stripes unused since the last pass. */
    void flushStripes(boolean onlyIdle) {
        for (Stripe s : stripes) {
            if (onlyIdle) {
                if (!s.tryLock()) {
                    continue;
                }
            } else {
                s.lock();
            }
            try {
                if (!onlyIdle || s.operations == s.lastSeenOperations) {
                    s.flushAll(depots);
                }
                s.lastSeenOperations = s.operations;
            } finally {
                s.unlock();
            }
        }
    }

    /**
     * Frees fully idle slabs idle for at least {@code minIdleNanos}, oldest first, while idle bytes exceed
     * {@code retainBytes}, and lets the page heap give back its idle memory above what that leaves to retain
     * ({@link PageHeap#freeIdle}); returns the bytes freed.
     */
    long freeIdle(long retainBytes, long minIdleNanos) {
        long heapFreed = pageHeap == null ? 0
                : pageHeap.freeIdle(Math.max(0, retainBytes - depotIdle.get()), minIdleNanos);
        return heapFreed + freeIdleSlabs(retainBytes - (pageHeap == null ? 0 : pageHeap.idleBytes()), minIdleNanos);
    }

    private long freeIdleSlabs(long retainBytes, long minIdleNanos) {
        long now = System.nanoTime();
        List<ClassDepot.IdleSlab> candidates = new ArrayList<>();
        long idle = 0;
        for (ClassDepot d : depots) {
            d.collectIdle(now, minIdleNanos, candidates);
            idle += d.usage()[0];
        }
        candidates.sort(Comparator.comparingLong(ClassDepot.IdleSlab::idleSinceNanos));
        long freed = 0;
        for (ClassDepot.IdleSlab c : candidates) {
            if (idle - freed <= retainBytes) {
                break;
            }
            freed += c.slab().depot.freeIfIdle(c.slab());
        }
        if (freed > 0) {
            limit.unreserve(freed);
        }
        return freed;
    }

    void enforceIdleCap() {
        long idle = depotIdle.getOpaque();
        if (idle <= maxIdleBytes || idle < nextCheck.getOpaque()) {
            return;
        }
        freeIdle(maxIdleBytes - maxIdleBytes / 4, 0);
        long after = depotIdle.get();
        nextCheck.setOpaque(after > maxIdleBytes ? after + maxIdleBytes / 4 : 0);
    }
}
