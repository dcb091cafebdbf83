package dev.memkit.offheap;

import dev.memkit.budget.MemoryBudget;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Configuration of a {@link LongLongMap} ({@link LongLongMap#builder()}). Not thread-safe; build once.
 *
 * @since 0.1
 */
public final class LongLongMapBuilder {
    long expectedSize = 1024;
    int segments = 256;
    boolean concurrent = true;
    MemoryBudget budget;
    Path directory;

    LongLongMapBuilder() {
    }

    /**
     * Entries to size the tables for up front (the map grows past it as needed). Default 1024.
     *
     * @param entries at least 0
     * @return this builder
     */
    public LongLongMapBuilder expectedSize(long entries) {
        if (entries < 0) {
            throw new IllegalArgumentException("expectedSize must not be negative: " + entries);
        }
        this.expectedSize = entries;
        return this;
    }

    /**
     * The number of segments: more means shorter pauses when a segment's table moves to a bigger region and less
     * lock contention, at a few hundred bytes of heap and a 256-byte minimum table each. Default 256.
     *
     * @param count a power of two between 1 and 65536
     * @return this builder
     */
    public LongLongMapBuilder segments(int count) {
        if (count < 1 || count > 65_536 || Integer.bitCount(count) != 1) {
            throw new IllegalArgumentException("segments must be a power of two in [1, 65536]: " + count);
        }
        this.segments = count;
        return this;
    }

    /**
     * Whether the map is safe for concurrent use (default true); false saves the locking for maps confined to
     * one thread at a time.
     *
     * @param concurrent true for thread-safe
     * @return this builder
     */
    public LongLongMapBuilder concurrent(boolean concurrent) {
        this.concurrent = concurrent;
        return this;
    }

    /**
     * Charges every table to this budget; a put that must grow a segment the budget refuses throws
     * {@link dev.memkit.budget.BudgetExceededException} and leaves the map unchanged.
     *
     * @param budget the budget
     * @return this builder
     */
    public LongLongMapBuilder budget(MemoryBudget budget) {
        this.budget = Objects.requireNonNull(budget, "budget");
        return this;
    }

    /**
     * Makes the map persistent in {@code directory} (created owner-only; it must not exist yet): see
     * {@link LongLongMap#sync()} and {@link LongLongMap#open(Path)}.
     *
     * @param directory the directory to create
     * @return this builder
     */
    public LongLongMapBuilder directory(Path directory) {
        this.directory = Objects.requireNonNull(directory, "directory");
        return this;
    }

    /**
     * Allocates the tables.
     *
     * @return the map
     * @throws dev.memkit.budget.BudgetExceededException if the budget refuses the initial tables
     */
    public LongLongMap build() {
        return new LongLongMap(this);
    }
}
