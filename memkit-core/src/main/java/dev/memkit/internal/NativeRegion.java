package dev.memkit.internal;

import dev.memkit.budget.MemoryBudget;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

/**
 * A block of native memory and its budget charge, owned together: the one place where memkit's off-heap structures
 * charge a budget, open an arena and allocate, undo both if either fails, and give both back at {@link #close()}.
 * Its holders keep only their algorithm.
 *
 * <p><b>Ownership.</b> The holder owns the region until it closes it; closing frees the memory (views of it then
 * throw {@code IllegalStateException}, never crash: the arena is shared) and returns the charge. Memory is zeroed.
 *
 * <p><b>Thread-safety.</b> {@link #memory()} may be read from any thread; {@link #close()} is idempotent and
 * thread-safe, but the holder must make sure nobody uses the memory while it closes (as with any arena).
 */
public final class NativeRegion implements AutoCloseable {
    private final Arena arena;
    private final MemorySegment memory;
    private final MemoryBudget budget;     // charged for bytes(), or null when nothing is charged
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private NativeRegion(Arena arena, MemorySegment memory, MemoryBudget budget) {
        this.arena = arena;
        this.memory = memory;
        this.budget = budget;
    }

    /**
     * Charges {@code bytes} to the budget, then allocates them.
     *
     * @param bytes at least 0 (a zero-byte region is valid)
     * @param alignment a power of two
     * @param budget charged now and released at close; null for none
     * @return the region
     * @throws dev.memkit.budget.BudgetExceededException if the budget refuses (nothing is allocated)
     * @throws OutOfMemoryError if the operating system refuses (nothing stays charged)
     */
    public static NativeRegion allocate(long bytes, long alignment, MemoryBudget budget) {
        charge(budget, bytes);
        Arena arena = Arena.ofShared();
        try {
            return new NativeRegion(arena, arena.allocate(Math.max(1, bytes), alignment).asSlice(0, bytes), budget);
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            if (budget != null) {
                budget.release(bytes);
            }
            throw e;
        }
    }

    /**
     * Charges {@code bytes} now or throws the budget's own refusal; does nothing without a budget.
     *
     * @param budget the budget, or null
     * @param bytes bytes to charge
     */
    public static void charge(MemoryBudget budget, long bytes) {
        if (budget != null && !budget.tryReserve(bytes)) {
            budget.reserve(bytes, Duration.ZERO);   // throws; should it succeed after all, the bytes are held
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

    /** Frees the memory and returns the charge. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            arena.close();
            if (budget != null) {
                budget.release(memory.byteSize());
            }
        }
    }
}
