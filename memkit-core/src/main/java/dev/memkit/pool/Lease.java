package dev.memkit.pool;

/**
 * The right to use one object of a {@link BoundedPool} until {@link #close()}.
 *
 * <pre>{@code
 * try (Lease<Connection> lease = pool.acquire()) {
 *     lease.get().send(request);
 * }
 * }</pre>
 *
 * <p><b>Ownership.</b> The holder owns the object between acquire and release and must not keep a reference to
 * it afterwards. Each acquire returns a new lease; once released, {@link #get()} throws, and a second release
 * throws, even if the slot has since been leased to someone else. A lease is meant for one holder at a time; its
 * methods are safe to call from any thread (a hand-off to another thread needs the usual happens-before).
 *
 * @param <T> the pooled type
 * @since 0.1
 */
public final class Lease<T> implements AutoCloseable {
    private final BoundedPool<T> pool;
    final Slot slot;
    final long stamp;
    /**
     * The leased object: while leased, the pool's only strong reference to it. Cleared at release, so a stale
     * lease kept by its former holder does not keep the object reachable (which would hide a later leak of it).
     */
    T object;

    Lease(BoundedPool<T> pool, Slot slot, long stamp, T object) {
        this.pool = pool;
        this.slot = slot;
        this.stamp = stamp;
        this.object = object;
    }

    /**
     * The leased object.
     *
     * @return the object
     * @throws IllegalStateException if this lease was released
     */
    public T get() {
        if (slot.state() != stamp) {
            throw new IllegalStateException("lease from pool '" + pool.name() + "' was already released");
        }
        return object;
    }

    /**
     * Whether this lease was released (or recovered).
     *
     * @return true once released
     */
    public boolean isReleased() {
        return slot.state() != stamp;
    }

    /**
     * Returns the object to the pool (after the reset hook and release validation).
     *
     * @throws IllegalStateException if this lease was already released
     * @throws RuntimeException whatever the reset hook threw; the object was then destroyed and the slot freed
     */
    @Override
    public void close() {
        pool.release(this, false);
    }

    /**
     * Releases the slot but destroys the object instead of keeping it, for an object known to be broken (a
     * connection that saw an I/O error). The next acquire of this slot creates a new one.
     *
     * @throws IllegalStateException if this lease was already released
     */
    public void invalidate() {
        pool.release(this, true);
    }

    @Override
    public String toString() {
        return "Lease[" + pool.name() + "#" + slot.index + (isReleased() ? ", released]" : "]");
    }
}
