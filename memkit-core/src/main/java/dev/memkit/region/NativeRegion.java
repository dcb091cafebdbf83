package dev.memkit.region;

import dev.memkit.budget.MemoryBudget;
import dev.memkit.internal.PageRelease;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A block of native memory and its budget charge, owned together: the one place where memkit charges a budget,
 * opens an arena and allocates or maps, undoes all of it if any step fails, and gives everything back at
 * {@link #close()}. Its holders (slabs, page-heap chunks, tables, indexes, record slabs, arrays) keep only their
 * algorithm.
 *
 * <p><b>Kinds.</b> {@link #allocate} takes zeroed memory from the C heap and charges all of it. {@link #map} makes
 * an anonymous private mapping: only touched pages become resident, so it may be charged for less than its size
 * and the charge raised as use grows ({@link #chargeTo}); it needs native access ({@link PageRelease}) and is
 * null without it. {@link #adopt} takes over memory someone else mapped (a file) together with its arena, to charge
 * it; file mappings nobody charges stay with the file format that made them.
 *
 * <p><b>Ownership.</b> The holder owns the region until it closes it; closing frees or unmaps the memory (views of
 * it then throw {@code IllegalStateException}, never crash: the arena is shared) and gives back the whole charge.
 *
 * <p><b>Thread-safety.</b> {@link #memory()} may be read from any thread; {@link #close()} is idempotent and
 * thread-safe, but the holder must make sure nobody uses the memory while it closes (as with any arena).
 * {@link #chargeTo} is called by the holder under its own lock.
 */
public final class NativeRegion implements AutoCloseable {
    private final Arena arena;
    private final MemorySegment memory;
    private final Charge charge;
    private final boolean mapped;
    private long charged;                  // bytes charged now; written by chargeTo under the holder's lock
    private final AtomicBoolean closed = new AtomicBoolean();

    private NativeRegion(Arena arena, MemorySegment memory, Charge charge, boolean mapped, long charged) {
        this.arena = arena;
        this.memory = memory;
        this.charge = charge;
        this.mapped = mapped;
        this.charged = charged;
    }

    /**
     * Charges {@code bytes} to the budget, then allocates them from the C heap, zeroed.
     *
     * @param bytes at least 0 (a zero-byte region is valid)
     * @param alignment a power of two
     * @param budget charged now and released at close; null for none
     * @return the region
     * @throws dev.memkit.budget.BudgetExceededException if the budget refuses (nothing is allocated)
     * @throws OutOfMemoryError if the operating system refuses (nothing stays charged)
     */
    public static NativeRegion allocate(long bytes, long alignment, MemoryBudget budget) {
        return allocate(bytes, alignment, Charge.of(budget));
    }

    /**
     * As {@link #allocate(long, long, MemoryBudget)}, charged to {@code charge}.
     *
     * @param bytes at least 0
     * @param alignment a power of two
     * @param charge charged now and released at close
     * @return the region
     */
    public static NativeRegion allocate(long bytes, long alignment, Charge charge) {
        charge.take(bytes);
        Arena arena = Arena.ofShared();
        try {
            MemorySegment m = arena.allocate(Math.max(1, bytes), alignment).asSlice(0, bytes);
            return new NativeRegion(arena, m, charge, false, bytes);
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            charge.give(bytes);
            throw e;
        }
    }

    /**
     * Maps {@code bytes} of anonymous memory (rounded up to whole pages; untouched pages cost nothing) charged
     * {@code chargeBytes} now, or returns null when mapping is unavailable (no native access) or the operating
     * system refuses it.
     *
     * @param bytes the size of the segment
     * @param chargeBytes at most {@code bytes}: what is charged now ({@link #chargeTo} raises it)
     * @param charge the charge
     * @return the region, or null (nothing is then charged)
     * @throws dev.memkit.budget.BudgetExceededException if the budget refuses (nothing is mapped)
     */
    public static NativeRegion map(long bytes, long chargeBytes, Charge charge) {
        if (!PageRelease.mappingAvailable()) {
            return null;
        }
        charge.take(chargeBytes);
        Arena arena = Arena.ofShared();
        MemorySegment m;
        try {
            m = PageRelease.mapAnonymous(bytes, arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            charge.give(chargeBytes);
            throw e;
        }
        if (m == null) {
            arena.close();
            charge.give(chargeBytes);
            return null;
        }
        return new NativeRegion(arena, m, charge, true, chargeBytes);
    }

    /**
     * Takes over {@code memory}, which {@code arena} owns (a mapped file), charging {@code chargeBytes} for it; the
     * arena is closed at {@link #close()}, or now if the charge is refused.
     *
     * @param memory the memory
     * @param arena its owner
     * @param chargeBytes charged now
     * @param charge the charge
     * @return the region
     */
    public static NativeRegion adopt(MemorySegment memory, Arena arena, long chargeBytes, Charge charge) {
        try {
            charge.take(chargeBytes);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        return new NativeRegion(arena, memory, charge, true, chargeBytes);
    }

    /**
     * Raises the charge to {@code bytes} (never lowers it): a mapped region's use grew into pages not charged yet.
     *
     * @param bytes the charge wanted, at most the region's size
     * @throws dev.memkit.budget.BudgetExceededException if the budget refuses; the charge is then unchanged
     */
    public void chargeTo(long bytes) {
        if (bytes > charged) {
            charge.take(bytes - charged);
            charged = bytes;
        }
    }

    /**
     * The memory.
     *
     * @return a segment of exactly the requested size
     */
    public MemorySegment memory() {
        return memory;
    }

    /**
     * Its size.
     *
     * @return bytes
     */
    public long bytes() {
        return memory.byteSize();
    }

    /**
     * The bytes charged now.
     *
     * @return bytes
     */
    public long charged() {
        return charged;
    }

    /**
     * Whether the memory is a mapping (anonymous or adopted) rather than the C heap's.
     *
     * @return true if mapped
     */
    public boolean mapped() {
        return mapped;
    }

    /** Frees the memory and gives back the charge. Idempotent. */
    @Override
    public void close() {
        close(false);
    }

    /**
     * As {@link #close()}, first telling the operating system that a C-heap region's pages are no longer needed:
     * the C heap may keep a freed region mapped for reuse (glibc does for some sizes), which would leave it
     * resident. A mapping is simply unmapped. Idempotent: only the first close touches the memory.
     */
    public void closeReleasingPages() {
        close(true);
    }

    private void close(boolean releasePages) {
        if (closed.compareAndSet(false, true)) {    // won before the pages are touched: never madvise freed memory
            if (releasePages && !mapped) {
                PageRelease.release(memory, 0, memory.byteSize());
            }
            arena.close();
            charge.give(charged);
        }
    }
}
