package dev.memkit.internal;

import java.lang.foreign.MemorySegment;

/**
 * What other memkit packages may do with a buffer pool beyond its public API, registered by the pool's package
 * when its classes load (the JDK's "shared secrets" pattern: this package is not exported, so nothing outside
 * memkit can reach these calls). The pool and its leases are passed as {@code Object} so that this package, which
 * the buffer package depends on, does not depend on it back; each call casts them to
 * {@code dev.memkit.buffer.BufferPool} and {@code dev.memkit.buffer.Buffer}.
 */
public interface BufferAccess {
    /**
     * A view of the lease's memory that does not mark the lease as viewed: for callers that keep the lease
     * reachable from every segment they derive from it (so a leak of it can never be reused under them).
     *
     * @param lease a live {@code Buffer}
     * @return the slab-scoped view
     */
    MemorySegment unwatchedSegment(Object lease);

    /**
     * Charges {@code bytes} the caller allocates itself against the pool's limit (and budget), after freeing
     * what the pool can without waiting; throws {@code PoolExhaustedException} if they do not fit.
     *
     * @param pool the {@code BufferPool}
     * @param bytes bytes to charge
     */
    void charge(Object pool, long bytes);

    /**
     * Returns bytes charged by {@link #charge}.
     *
     * @param pool the {@code BufferPool}
     * @param bytes bytes to return
     */
    void uncharge(Object pool, long bytes);

    /**
     * The registered access.
     *
     * @return it, loading the pool's classes first if they are not yet
     */
    static BufferAccess get() {
        BufferAccess a = Holder.access;
        if (a == null) {
            try {
                Class.forName("dev.memkit.buffer.BufferPool", true, BufferAccess.class.getClassLoader());
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
