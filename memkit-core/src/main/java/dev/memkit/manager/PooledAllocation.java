package dev.memkit.manager;

import dev.memkit.buffer.Buffer;

import java.lang.foreign.MemorySegment;

/** A pool lease behind the {@link Allocation} interface; owns the lease until closed. */
record PooledAllocation(Buffer lease) implements Allocation {
    @Override
    public MemorySegment segment() {
        return lease.segment();
    }

    @Override
    public Strategy strategy() {
        return Strategy.POOLED;
    }

    @Override
    public void close() {
        lease.close();
    }
}
