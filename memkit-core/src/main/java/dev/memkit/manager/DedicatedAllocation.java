package dev.memkit.manager;

import dev.memkit.budget.MemoryBudget;
import dev.memkit.region.Charge;
import dev.memkit.internal.LeakReporting;
import dev.memkit.leak.LeakReport;
import dev.memkit.region.NativeRegion;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A native allocation of its own and its budget reservation (one {@link NativeRegion}); released once by close.
 *
 * <p><b>Leaks.</b> An allocation dropped without {@code close()} is reported (logged, and a JFR leak event) when the
 * GC finds it unreachable. Its memory and reservation are released then only if {@link #segment()} was never
 * called: a segment handed out may still be in use, so such memory is kept (never freed under a live view) and the
 * report says so.
 */
final class DedicatedAllocation implements Allocation {
    private static final Cleaner CLEANER = Cleaner.create(
            Thread.ofPlatform().daemon().name("memkit-long-lived-leaks").factory());
    private static final System.Logger LOG = System.getLogger(DedicatedAllocation.class.getName());

    private final MemorySegment segment;
    private final State state;
    private final Cleaner.Cleanable cleanable;

    /** What release needs, reachable from the cleaner without the allocation itself. */
    private static final class State implements Runnable {
        final NativeRegion region;
        final long size;
        final AtomicBoolean closed = new AtomicBoolean();
        volatile boolean viewed;          // segment() was called: a view may outlive the allocation

        State(NativeRegion region, long size) {
            this.region = region;
            this.size = size;
        }

        /** Runs once: at close(), or when the GC found the allocation unreachable (a leak). */
        @Override
        public void run() {
            if (!closed.compareAndSet(false, true)) {
                return; // closed explicitly
            }
            boolean reuse = !viewed;
            LeakReporting.deliver(LeakReporting::log,
                    new LeakReport("memkit/long-lived", Allocation.class.getName(), size, null, reuse));
            if (reuse) {
                region.close();
            }
        }

        void close() {
            if (!closed.compareAndSet(false, true)) {
                throw new IllegalStateException("allocation of " + size + " bytes closed twice");
            }
            region.close();
        }
    }

    DedicatedAllocation(long size, MemoryBudget budget) {
        NativeRegion region = NativeRegion.allocate(size, 16, Charge.waiting(budget));
        this.segment = region.memory();
        this.state = new State(region, size);
        this.cleanable = CLEANER.register(this, state);
    }

    @Override
    public MemorySegment segment() {
        if (state.closed.getOpaque()) {
            throw new IllegalStateException("allocation of " + segment.byteSize() + " bytes already closed");
        }
        state.viewed = true;
        return segment;
    }

    @Override
    public Strategy strategy() {
        return Strategy.DEDICATED;
    }

    @Override
    public void close() {
        state.close();
        cleanable.clean(); // unregisters; its run() sees closed and does nothing
    }
}
