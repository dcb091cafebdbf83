package dev.memkit.pool;

/**
 * No object of a {@link BoundedPool} became free within the time allowed. The message names the pool, its
 * capacity, how many objects were leased and how long the caller waited.
 *
 * @since 0.1
 */
public final class PoolTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int capacity;

    PoolTimeoutException(String message, int capacity) {
        super(message);
        this.capacity = capacity;
    }

    /**
     * The pool's capacity.
     *
     * @return the number of objects the pool may have
     */
    public int capacity() {
        return capacity;
    }
}
