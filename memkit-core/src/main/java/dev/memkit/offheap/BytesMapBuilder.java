package dev.memkit.offheap;

import dev.memkit.budget.MemoryBudget;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Configuration of a {@link BytesMap} ({@link BytesMap#builder()}). Not thread-safe; build once.
 *
 * @since 0.1
 */
public final class BytesMapBuilder {
    long expectedSize = 1024;
    int segments = 16;
    long slabBytes = 1L << 20;
    MemoryBudget budget;
    Path directory;

    BytesMapBuilder() {
    }

    /**
     * Entries to size the indexes for. Default 1024.
     *
     * @param entries at least 0
     * @return this builder
     */
    public BytesMapBuilder expectedSize(long entries) {
        if (entries < 0) {
            throw new IllegalArgumentException("expectedSize must not be negative: " + entries);
        }
        this.expectedSize = entries;
        return this;
    }

    /**
     * Segments (independent locks, indexes and logs). Default 16.
     *
     * @param count a power of two between 1 and 4096
     * @return this builder
     */
    public BytesMapBuilder segments(int count) {
        if (count < 1 || count > 4096 || Integer.bitCount(count) != 1) {
            throw new IllegalArgumentException("segments must be a power of two in [1, 4096]: " + count);
        }
        this.segments = count;
        return this;
    }

    /**
     * Record slab size. Default 1 MiB.
     *
     * @param bytes between 4 KiB and 16 MiB
     * @return this builder
     */
    public BytesMapBuilder slabBytes(long bytes) {
        if (bytes < 4096 || bytes > RecordLog.MAX_SLAB_BYTES) {
            throw new IllegalArgumentException("slabBytes must be in [4096, 16 MiB]: " + bytes);
        }
        this.slabBytes = bytes;
        return this;
    }

    /**
     * Charges indexes and slabs to this budget.
     *
     * @param budget the budget
     * @return this builder
     */
    public BytesMapBuilder budget(MemoryBudget budget) {
        this.budget = Objects.requireNonNull(budget, "budget");
        return this;
    }

    /**
     * Makes the map persistent in {@code directory} (created owner-only; it must not exist yet): see
     * {@link BytesMap#sync()} and {@link BytesMap#open(Path)}.
     *
     * @param directory the directory to create
     * @return this builder
     */
    public BytesMapBuilder directory(Path directory) {
        this.directory = Objects.requireNonNull(directory, "directory");
        return this;
    }

    /**
     * Allocates the indexes.
     *
     * @return the map
     */
    public BytesMap build() {
        return new BytesMap(this);
    }
}
