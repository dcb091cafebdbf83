package dev.memkit.offheap;

/**
 * Configuration of a {@link LongLongMap} ({@link LongLongMap#builder()}): 256 segments by default (at most 65536;
 * a 256-byte minimum table each), concurrent, unbudgeted, in memory. Not thread-safe; build once.
 *
 * @since 0.1
 */
public final class LongLongMapBuilder extends MapBuilder<LongLongMapBuilder> {

    LongLongMapBuilder() {
        super(256, 65_536);
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
