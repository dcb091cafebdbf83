package dev.memkit.offheap;

/**
 * Configuration of a {@link BytesMap} ({@link BytesMap#builder()}): 16 segments by default (at most 4096), 1 MiB
 * record slabs, concurrent, unbudgeted, in memory. Not thread-safe; build once.
 *
 * @since 0.1
 */
public final class BytesMapBuilder extends MapBuilder<BytesMapBuilder> {
    long slabBytes = 1L << 20;

    BytesMapBuilder() {
        super(16, 4096);
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
     * Allocates the indexes.
     *
     * @return the map
     * @throws dev.memkit.budget.BudgetExceededException if the budget refuses the initial indexes
     */
    public BytesMap build() {
        return new BytesMap(this);
    }
}
