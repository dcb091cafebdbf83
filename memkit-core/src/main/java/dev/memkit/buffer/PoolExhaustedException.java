package dev.memkit.buffer;

import dev.memkit.MemoryLimitException;

/**
 * Thrown when a {@link BufferPool} cannot serve a request within its byte limit (or its budget) in the time
 * allowed, or when the operating system refuses native memory. The message names the pool, the limit, the request
 * and the usage; {@link #usedBytes()} is the native memory the pool held.
 *
 * @since 0.1
 */
public final class PoolExhaustedException extends MemoryLimitException {
    private static final long serialVersionUID = 1L;

    PoolExhaustedException(String message, long requestedBytes, long limitBytes, long reservedBytes,
                           Throwable cause) {
        super(message, requestedBytes, reservedBytes, limitBytes, cause);
    }

    /**
     * Native bytes the pool held when the request failed (the same as {@link #usedBytes()}).
     *
     * @return reserved bytes
     */
    public long reservedBytes() {
        return usedBytes();
    }
}
