package dev.memkit.manager;

import java.lang.foreign.MemorySegment;

/** A slice of a scope's region arena; the scope owns and frees it. */
record ScopedAllocation(MemorySegment segment) implements Allocation {
    @Override
    public Strategy strategy() {
        return Strategy.ARENA;
    }

    @Override
    public void close() {
        // freed with the scope
    }
}
