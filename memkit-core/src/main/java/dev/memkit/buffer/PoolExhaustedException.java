package dev.memkit.buffer;

/**
 * Thrown when a {@link BufferPool} cannot serve a request within its byte limit in the time allowed, or when
 * the operating system refuses native memory. The message names the pool, the limit, the request and the usage.
 */
public final class PoolExhaustedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long requestedBytes;
    private final long limitBytes;
    private final long reservedBytes;

    PoolExhaustedException(String message, long requestedBytes, long limitBytes, long reservedBytes,
                           Throwable cause) {
        super(message, cause);
        this.requestedBytes = requestedBytes;
        this.limitBytes = limitBytes;
        this.reservedBytes = reservedBytes;
    }

    /**
     * The size that could not be served.
     *
     * @return requested bytes
     */
    public long requestedBytes() {
        return requestedBytes;
    }

    /**
     * The pool's limit when the request failed.
     *
     * @return limit in bytes
     */
    public long limitBytes() {
        return limitBytes;
    }

    /**
     * Native bytes the pool held when the request failed.
     *
     * @return reserved bytes
     */
    public long reservedBytes() {
        return reservedBytes;
    }
}
