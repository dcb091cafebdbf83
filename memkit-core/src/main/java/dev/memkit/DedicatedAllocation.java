package dev.memkit;

import dev.memkit.budget.MemoryBudget;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/** A native allocation of its own (a shared arena) and its budget reservation; both released once by close. */
final class DedicatedAllocation implements Allocation {
    private final Arena arena;
    private final MemorySegment segment;
    private final MemoryBudget.Reservation reservation;
    private final AtomicBoolean closed = new AtomicBoolean();

    DedicatedAllocation(long size, MemoryBudget budget) {
        this.reservation = budget.reserve(size);
        Arena a = Arena.ofShared();
        try {
            this.segment = a.allocate(size, 16);
        } catch (OutOfMemoryError | RuntimeException e) {
            a.close();
            reservation.close();
            throw e;
        }
        this.arena = a;
    }

    @Override
    public MemorySegment segment() {
        if (closed.getOpaque()) {
            throw new IllegalStateException("allocation of " + segment.byteSize() + " bytes already closed");
        }
        return segment;
    }

    @Override
    public Strategy strategy() {
        return Strategy.DEDICATED;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            throw new IllegalStateException("allocation of " + segment.byteSize() + " bytes closed twice");
        }
        arena.close();
        reservation.close();
    }
}
