package dev.memkit.internal;

import dev.memkit.buffer.Buffer;
import dev.memkit.buffer.BufferPool;

import java.lang.foreign.MemorySegment;

/**
 * What other memkit packages may do with a buffer pool beyond its public API, registered by the pool's package
 * when its classes load (the JDK's "shared secrets" pattern: this package is not exported, so nothing outside
 * memkit can reach these calls).
 */
public interface BufferAccess {
    /**
     * A view of the lease's memory that does not mark the lease as viewed: for callers that keep the lease
     * reachable from every segment they derive from it (so a leak of it can never be reused under them).
     *
     * @param lease a live lease
     * @return the slab-scoped view
     */
    MemorySegment unwatchedSegment(Buffer lease);

    /**
     * Charges {@code bytes} the caller allocates itself against the pool's limit (and budget), after freeing
     * what the pool can without waiting; throws {@code PoolExhaustedException} if they do not fit.
     *
     * @param pool the pool
     * @param bytes bytes to charge
     */
    void charge(BufferPool pool, long bytes);

    /**
     * Returns bytes charged by {@link #charge}.
     *
     * @param pool the pool
     * @param bytes bytes to return
     */
    void uncharge(BufferPool pool, long bytes);

    /**
     * The registered access.
     *
     * @return it, loading the pool's classes first if they are not yet
     */
    static BufferAccess get() {
        BufferAccess a = Holder.access;
        if (a == null) {
            try {
                Class.forName(BufferPool.class.getName(), true, BufferAccess.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            a = Holder.access;
        }
        return a;
    }

    /**
     * Called once by the pool's package.
     *
     * @param access the implementation
     */
    static void register(BufferAccess access) {
        Holder.access = access;
    }

    /** The registration. */
    final class Holder {
        private static volatile BufferAccess access;

        private Holder() {}
    }
}
