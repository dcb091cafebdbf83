package dev.memkit.offheap;

import dev.memkit.budget.MemoryBudget;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The options every {@link SegmentedMap} takes; each map's builder adds its own and {@code build()}. Not
 * thread-safe; build once.
 *
 * @param <B> the concrete builder, returned by every setter
 */
abstract class MapBuilder<B extends MapBuilder<B>> {
    long expectedSize = 1024;
    int segments;
    private final int maxSegments;
    boolean concurrent = true;
    MemoryBudget budget;
    Path directory;

    MapBuilder(int defaultSegments, int maxSegments) {
        this.segments = defaultSegments;
        this.maxSegments = maxSegments;
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /**
     * Entries to size the map for up front (it grows past it as needed). Default 1024.
     *
     * @param entries at least 0
     * @return this builder
     */
    public final B expectedSize(long entries) {
        if (entries < 0) {
            throw new IllegalArgumentException("expectedSize must not be negative: " + entries);
        }
        this.expectedSize = entries;
        return self();
    }

    /**
     * The number of segments (each with its own lock and memory, growing on its own): more means less lock
     * contention and shorter pauses when a segment grows, at a little heap and a minimum table each.
     *
     * @param count a power of two, at least 1 and at most the map's limit (the exception names it)
     * @return this builder
     */
    public final B segments(int count) {
        if (count < 1 || count > maxSegments || Integer.bitCount(count) != 1) {
            throw new IllegalArgumentException("segments must be a power of two in [1, " + maxSegments + "]: "
                    + count);
        }
        this.segments = count;
        return self();
    }

    /**
     * Whether the map is safe for concurrent use (default true); false saves the locking for maps confined to
     * one thread at a time.
     *
     * @param concurrent true for thread-safe
     * @return this builder
     */
    public final B concurrent(boolean concurrent) {
        this.concurrent = concurrent;
        return self();
    }

    /**
     * Charges every native allocation of the map to this budget; an operation that must grow the map past what
     * the budget allows throws {@link dev.memkit.budget.BudgetExceededException} and leaves the map unchanged.
     *
     * @param budget the budget
     * @return this builder
     */
    public final B budget(MemoryBudget budget) {
        this.budget = Objects.requireNonNull(budget, "budget");
        return self();
    }

    /**
     * Makes the map persistent in {@code directory} (created owner-only; it must not exist yet): see the map's
     * {@code sync()} and {@code open(Path)}.
     *
     * @param directory the directory to create
     * @return this builder
     */
    public final B directory(Path directory) {
        this.directory = Objects.requireNonNull(directory, "directory");
        return self();
    }
}
