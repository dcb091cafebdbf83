package dev.memkit.buffer;

import dev.memkit.ByteSize;
import dev.memkit.region.Charge;
import dev.memkit.region.NativeRegion;
import dev.memkit.internal.PageRelease;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The big classes' memory when page release is available: each lease gets a run of exactly the whole pages its
 * request needs, cut out of large anonymous mappings (chunks), and each released run merges with its free
 * neighbours, so its pages serve the next request of any size.
 *
 * <p><b>Why.</b> A page fault costs more than everything else a big acquire does, and on a workload of random
 * sizes per-class free lists fault all the time: a freed 8 MiB block can only serve requests of its own class (or,
 * lent, of a slightly smaller one), so most requests find nothing of their class and touch fresh pages. Here a
 * freed run stays resident and is reused whole or in part by whatever comes next, as malloc reuses its free chunks.
 *
 * <p><b>Algorithm.</b> Address-ordered first fit: chunks in the order they were mapped, free runs in page order,
 * and the first run long enough is split, its low end leased. First fit packs leases towards the low pages of the
 * oldest chunks, so free memory gathers in high runs and whole chunks that can be purged or unmapped. (On the
 * footprint trace, simulated: peak resident pages 1.13 times the peak live bytes with 6 page faults per buffer,
 * against 1.18 for best fit.) Each chunk keeps a bitmap of resident pages: a run's pages become resident when it is
 * leased (the holder is assumed to touch them all) and stop being so when purged ({@code madvise(MADV_DONTNEED)}).
 *
 * <p><b>Idle memory.</b> Resident free pages are this heap's idle memory. As in Go's scavenger, memory a workload
 * needed recently stays resident for reuse while the total stays within a fixed share of the recent peak: resident
 * free pages may reach {@code highWater * (1 + headroom) - demand - other idle} (demand being the leased pages,
 * other idle the pool's other classes' idle bytes, headroom {@link BufferPoolBuilder#idleHeadroom}), or
 * {@code retainedBytes} if more. Above it, acquires and
 * releases purge the highest resident free pages first (the last first fit would reuse). The high-water mark decays
 * halfway towards the demand on each scavenger pass ({@link #decay}), and a chunk with no lease that stayed so for
 * the idle timeout is unmapped once resident idle memory exceeds {@code retainedBytes}.
 *
 * <p><b>Limit.</b> The pool's limit counts memory, not address space: a lease reserves the pages of its run that
 * were not resident, and purging or unmapping gives resident pages back. So this heap holds, against the limit,
 * its leased pages plus its resident free pages; mapping a chunk reserves nothing.
 *
 * <p><b>Concurrency.</b> Every field (chunks' included) is guarded by {@code this}. {@code madvise}, {@code munmap}
 * and the limit's reservations run outside the lock: on a run taken out of its chunk's free map (so nobody can lease
 * it meanwhile), or on a chunk taken out of the list. No other lock is taken while this one is held.
 *
 * <p><b>Invariants.</b> In a chunk, free runs never overlap or touch (neighbours are merged) and never overlap a
 * leased or purging run; {@code residentFreePages} is the number of resident pages in free and purging runs;
 * a chunk with leased or purging runs is never unmapped.
 */
final class PageHeap {
    /** Address space mapped at a time; a run longer than this gets a chunk of its own. */
    static final long CHUNK_BYTES = 64L << 20;
    /** Free runs one acquire or release may purge to restore the allowance (bounds its extra work). */
    private static final int MAX_PURGES_PER_CALL = 4;
    /** The smallest range a purge drops, so a few stray pages do not cost a system call each. */
    private static final int MIN_PURGE_PAGES = 16;
    private static final long PAGE = PageRelease.PAGE;

    /** Makes the one-block slab of a leased run (the pool's constructor: slabs point to their pool). */
    @FunctionalInterface
    interface RunMaker {
        Slab make(ClassDepot depot, Chunk chunk, int firstPage, int pages, boolean faulted);
    }

    private final String poolName;
    private final RunMaker runs;
    private final Runnable onMap;
    private final PoolLimit limit;
    private final AtomicLong otherIdle;      // bytes on the other classes' depot stacks (all resident)
    private final long retainedPages;
    private final double headroom;           // resident idle pages may reach the peak times (1 + headroom) - demand
    private final List<Chunk> chunks = new ArrayList<>();
    private final Set<Slab> leased = new HashSet<>(); // runs out on lease, for leak reports
    private final long[] classPages;         // leased pages by size class
    private final int[] classRuns;           // leased runs by size class
    private long leasedPages;
    private long highWaterPages;             // of leasedPages, decayed by the scavenger
    private long residentFreePages;

    /**
     * One anonymous mapping. Owned by the heap: unmapped (its region closed) once, when it has no lease left.
     * Guarded by the heap's lock.
     */
    static final class Chunk {
        final NativeRegion region;
        final MemorySegment memory;
        final java.nio.ByteBuffer wholeBuffer;                  // memory as one ByteBuffer, for the runs' views
        final int pages;
        final TreeMap<Integer, Integer> free = new TreeMap<>(); // first page -> pages, of each free run
        final long[] resident;                                  // bit per page
        int residentPages;
        int freePages;                                          // in the free map: a chunk with fewer is skipped
        int leasedRuns;
        int purgingRuns;
        long idleSinceNanos;                                    // when leasedRuns last fell to 0

        Chunk(NativeRegion region, int pages) {
            this.region = region;
            this.memory = region.memory();
            this.wholeBuffer = Slab.wholeBuffer(memory);
            this.pages = pages;
            this.resident = new long[(pages + 63) >>> 6];
            free.put(0, pages);
            freePages = pages;
            idleSinceNanos = System.nanoTime();
        }
    }

    /** {@code onMap} runs after each new chunk (the pool starts its scavenger then). */
    PageHeap(String poolName, RunMaker runs, PoolLimit limit, AtomicLong otherIdle, long retainedBytes,
             double headroom, int classCount, Runnable onMap) {
        this.headroom = headroom;
        this.poolName = poolName;
        this.runs = runs;
        this.onMap = onMap;
        this.limit = limit;
        this.otherIdle = otherIdle;
        this.retainedPages = retainedBytes / PAGE;
        this.classPages = new long[classCount];
        this.classRuns = new int[classCount];
    }

    /** A run cut out of a chunk: leased, or being purged. */
    private record Run(Chunk chunk, int first, int pages, int freshPages) {}

    /**
     * Takes a run of at least {@code bytes} for class {@code d}, mapping a chunk if no free run fits.
     *
     * @param purge whether to purge idle pages above the allowance now (not when the caller holds a stripe lock:
     *              a purge's system call may take a while)
     * @return the run's one-block slab, or null when the limit cannot take the pages it would fault in
     * @throws PoolExhaustedException if the OS refuses a mapping
     */
    Slab allocate(ClassDepot d, long bytes, boolean purge) {
        int pages = Math.toIntExact(PageRelease.pageUp(bytes) / PAGE);
        Run run;
        while ((run = carve(pages)) == null) {
            Chunk c = map(pages, bytes);
            synchronized (this) {
                chunks.add(c);
            }
            onMap.run();
        }
        if (run.freshPages > 0 && !limit.tryReserve(run.freshPages * PAGE)) {
            synchronized (this) {
                residentFreePages += run.pages - run.freshPages;
                leasedPages -= run.pages;
                run.chunk.leasedRuns--;
                addFree(run.chunk, run.first, run.pages);
            }
            return null;
        }
        Slab slab = runs.make(d, run.chunk, run.first, run.pages, run.freshPages > 0);
        synchronized (this) {
            if (run.freshPages > 0) {
                run.chunk.residentPages += markResident(run.chunk, run.first, run.first + run.pages, true);
            }
            leased.add(slab);
            classPages[d.classIndex] += run.pages;
            classRuns[d.classIndex]++;
        }
        if (purge) {
            purge(-1, MAX_PURGES_PER_CALL);
        }
        return slab;
    }

    /** First fit: cuts {@code pages} out of the lowest free run long enough, or returns null. */
    private synchronized Run carve(int pages) {
        for (Chunk c : chunks) {
            if (c.freePages < pages) {
                continue;
            }
            for (Map.Entry<Integer, Integer> e : c.free.entrySet()) {
                int length = e.getValue();
                if (length < pages) {
                    continue;
                }
                int first = e.getKey();
                c.free.remove(first);
                c.freePages -= pages;
                if (length > pages) {
                    c.free.put(first + pages, length - pages);
                }
                int resident = countResident(c, first, first + pages);
                residentFreePages -= resident;
                leasedPages += pages;
                highWaterPages = Math.max(highWaterPages, leasedPages);
                c.leasedRuns++;
                return new Run(c, first, pages, pages - resident);
            }
        }
        return null;
    }

    /** Maps a chunk for a run of {@code pages} (nothing is reserved: only touched pages cost memory). */
    private Chunk map(int pages, long requested) {
        long bytes = Math.max(CHUNK_BYTES, pages * PAGE);
        NativeRegion region;
        try {
            region = NativeRegion.map(bytes, 0, Charge.NONE);  // the pool's limit is charged per resident page
        } catch (RuntimeException e) {
            throw refused(bytes, requested, e);
        }
        if (region == null) {
            throw refused(bytes, requested, null);
        }
        return new Chunk(region, Math.toIntExact(bytes / PAGE));
    }

    private PoolExhaustedException refused(long bytes, long requested, Throwable cause) {
        return new PoolExhaustedException("BufferPool '" + poolName + "': the operating system refused to map "
                + ByteSize.format(bytes) + " for a request of " + ByteSize.format(requested), requested, limit.limit,
                limit.reserved.get(), cause);
    }

    /**
     * Returns a run (released, leaked, or flushed from a thread cache); its pages stay resident for reuse, within
     * the allowance.
     *
     * @param purge as for {@link #allocate}
     */
    void release(Slab run, boolean purge) {
        int pages = (int) (run.blockSize / PAGE);
        synchronized (this) {
            if (!leased.remove(run)) {
                throw new IllegalStateException("run released twice"); // cannot happen: see ClassDepot#unwatch
            }
            Chunk c = run.chunk;
            addFree(c, run.firstPage, pages);
            leasedPages -= pages;
            residentFreePages += pages;
            classPages[run.depot.classIndex] -= pages;
            classRuns[run.depot.classIndex]--;
            if (--c.leasedRuns == 0) {
                c.idleSinceNanos = System.nanoTime();
            }
        }
        if (purge) {
            purge(-1, MAX_PURGES_PER_CALL);
        }
    }

    /** Adds a free run, merged with the free runs it touches. */
    private static void addFree(Chunk c, int first, int pages) {
        c.freePages += pages;
        Map.Entry<Integer, Integer> below = c.free.lowerEntry(first);
        if (below != null && below.getKey() + below.getValue() == first) {
            c.free.remove(below.getKey());
            first = below.getKey();
            pages += below.getValue();
        }
        Integer above = c.free.remove(first + pages);
        if (above != null) {
            pages += above;
        }
        c.free.put(first, pages);
    }

    /** What resident free pages may reach now (see the class comment). */
    private long allowancePages() {
        long peak = highWaterPages;
        return Math.max(retainedPages, peak + (long) (peak * headroom) - leasedPages - otherIdle.getOpaque() / PAGE);
    }

    /**
     * Purges free runs, highest first, until resident free pages are down to {@code targetPages} (below 0: the
     * allowance), at most {@code maxRuns} of them. Stops at a range the OS refused to purge.
     *
     * @return the bytes purged
     */
    private long purge(long targetPages, int maxRuns) {
        long purged = 0;
        for (int n = 0; n < maxRuns; n++) {
            Run victim;
            int from;
            int to;
            synchronized (this) {
                long excess = residentFreePages - (targetPages < 0 ? allowancePages() : targetPages);
                if (excess <= 0) {
                    break;
                }
                victim = takeHighestResident();
                if (victim == null) {
                    break;
                }
                to = highestResident(victim.chunk, victim.first, victim.first + victim.pages) + 1;
                from = (int) Math.max(victim.first, to - Math.max(excess, MIN_PURGE_PAGES));
            }
            boolean dropped = PageRelease.release(victim.chunk.memory, from * PAGE, to * PAGE) > 0;
            int cleared = 0;
            synchronized (this) {
                Chunk c = victim.chunk;
                if (dropped) {
                    cleared = markResident(c, from, to, false);
                    c.residentPages -= cleared;
                    residentFreePages -= cleared;
                }
                c.purgingRuns--;
                addFree(c, victim.first, victim.pages);
            }
            if (!dropped) {
                break;
            }
            limit.unreserve(cleared * PAGE);
            purged += cleared * PAGE;
        }
        return purged;
    }

    /** Takes out of its chunk's free map the highest free run with a resident page, for a purge; or null. */
    private Run takeHighestResident() {
        for (int i = chunks.size() - 1; i >= 0; i--) {
            Chunk c = chunks.get(i);
            if (c.residentPages == 0) {
                continue;
            }
            for (Map.Entry<Integer, Integer> e : c.free.descendingMap().entrySet()) {
                int first = e.getKey();
                int pages = e.getValue();
                if (highestResident(c, first, first + pages) >= 0) {
                    c.free.remove(first);
                    c.freePages -= pages;
                    c.purgingRuns++;
                    return new Run(c, first, pages, 0);
                }
            }
        }
        return null;
    }

    /**
     * Moves the high-water mark halfway down to the demand ({@code toDemand}: all the way) and purges down to the
     * new allowance; on a pool nobody uses, no acquire or release would.
     *
     * @return the bytes purged
     */
    long decay(boolean toDemand) {
        synchronized (this) {
            long demand = leasedPages;
            long peak = highWaterPages;
            highWaterPages = peak <= demand || toDemand ? demand : demand + (peak - demand) / 2;
        }
        return purge(-1, Integer.MAX_VALUE);
    }

    /**
     * Gives idle memory back: with {@code minIdleNanos} zero, purges resident free pages down to
     * {@code retainBytes}; then unmaps the chunks without a lease for at least {@code minIdleNanos}, oldest first,
     * while resident idle memory exceeds {@code retainBytes} (a chunk with no resident page is unmapped anyway: it
     * holds only address space).
     *
     * @return the bytes given back
     */
    long freeIdle(long retainBytes, long minIdleNanos) {
        long retain = retainBytes / PAGE;
        long freed = minIdleNanos == 0 ? purge(retain, Integer.MAX_VALUE) : 0;
        List<Chunk> gone = new ArrayList<>();
        long now = System.nanoTime();
        long unreserve = 0;
        synchronized (this) {
            List<Chunk> idle = new ArrayList<>();
            for (Chunk c : chunks) {
                if (c.leasedRuns == 0 && c.purgingRuns == 0 && now - c.idleSinceNanos >= minIdleNanos) {
                    idle.add(c);
                }
            }
            idle.sort(Comparator.comparingLong(c -> c.idleSinceNanos));
            for (Chunk c : idle) {
                if (c.residentPages == 0 || residentFreePages > retain) {
                    chunks.remove(c);
                    residentFreePages -= c.residentPages;
                    unreserve += c.residentPages * PAGE;
                    gone.add(c);
                }
            }
        }
        for (Chunk c : gone) {
            c.region.close();
        }
        if (unreserve > 0) {
            limit.unreserve(unreserve);
        }
        return freed + unreserve;
    }

    /** Resident free bytes: this heap's idle memory. */
    synchronized long idleBytes() {
        return residentFreePages * PAGE;
    }

    /** Leased bytes (page-rounded) and runs of class {@code c}. */
    synchronized long[] classUsage(int c) {
        return new long[] {classPages[c] * PAGE, classRuns[c]};
    }

    synchronized List<Slab> leasedSnapshot() {
        return List.copyOf(leased);
    }

    /** Page-rounded bytes on lease (for tests). */
    synchronized long leasedBytes() {
        return leasedPages * PAGE;
    }

    /** The decayed high-water mark of {@link #leasedBytes} (for tests). */
    synchronized long highWaterBytes() {
        return highWaterPages * PAGE;
    }

    /**
     * Checks the invariants of the class comment, plus the counters' agreement with the maps (for tests).
     *
     * @throws IllegalStateException naming the first one broken
     */
    synchronized void checkInvariants() {
        long taken = 0;
        long residentFree = 0;
        long[] leasedByChunk = new long[chunks.size()];
        for (Slab run : leased) {
            int i = chunks.indexOf(run.chunk);
            check(i >= 0, "a leased run's chunk is unmapped");
            leasedByChunk[i] += run.blockSize / PAGE;
            check(countResident(run.chunk, run.firstPage, run.firstPage + (int) (run.blockSize / PAGE))
                    == run.blockSize / PAGE, "a leased run has pages not marked resident");
        }
        for (int i = 0; i < chunks.size(); i++) {
            Chunk c = chunks.get(i);
            int end = -1;
            int free = 0;
            for (Map.Entry<Integer, Integer> e : c.free.entrySet()) {
                check(e.getValue() > 0 && e.getKey() > end, "free runs overlap or touch");
                end = e.getKey() + e.getValue();
                check(end <= c.pages, "a free run ends past its chunk");
                free += e.getValue();
                residentFree += countResident(c, e.getKey(), end);
            }
            check(free == c.freePages, "freePages disagrees with the free map");
            check(c.purgingRuns == 0, "a purge is in progress"); // tests call this between operations
            check(free + leasedByChunk[i] == c.pages, "free and leased pages do not add up to the chunk");
            check(countResident(c, 0, c.pages) == c.residentPages, "residentPages disagrees with the bitmap");
            taken += leasedByChunk[i];
        }
        check(taken == leasedPages, "leasedPages disagrees with the leased runs");
        check(residentFree == residentFreePages, "residentFreePages disagrees with the bitmaps");
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("page heap invariant broken: " + what);
        }
    }

    /** Mapped chunks (for tests). */
    synchronized int chunkCount() {
        return chunks.size();
    }

    // Resident-page bitmap of a chunk, over page ranges [from, to).

    private static int countResident(Chunk c, int from, int to) {
        int n = 0;
        for (int p = from; p < to; ) {
            int w = p >>> 6;
            int end = Math.min(to, (w + 1) << 6);
            n += Long.bitCount(c.resident[w] & mask(p, end));
            p = end;
        }
        return n;
    }

    /** Sets the range's bits ({@code resident}) or clears them; returns how many changed. */
    private static int markResident(Chunk c, int from, int to, boolean resident) {
        int n = 0;
        for (int p = from; p < to; ) {
            int w = p >>> 6;
            int end = Math.min(to, (w + 1) << 6);
            long m = mask(p, end);
            long old = c.resident[w];
            n += Long.bitCount((resident ? ~old : old) & m);
            c.resident[w] = resident ? old | m : old & ~m;
            p = end;
        }
        return n;
    }

    /** The highest resident page in the range, or -1. */
    private static int highestResident(Chunk c, int from, int to) {
        for (int p = to; p > from; ) {
            int w = (p - 1) >>> 6;
            int start = Math.max(from, w << 6);
            long bits = c.resident[w] & mask(start, p);
            if (bits != 0) {
                return (w << 6) + 63 - Long.numberOfLeadingZeros(bits);
            }
            p = start;
        }
        return -1;
    }

    /** Bits {@code from & 63} to {@code (to - 1) & 63} of one word; {@code from < to <= (from | 63) + 1}. */
    private static long mask(int from, int to) {
        long high = (to & 63) == 0 ? -1L : (1L << (to & 63)) - 1;
        return high & (-1L << (from & 63));
    }
}
