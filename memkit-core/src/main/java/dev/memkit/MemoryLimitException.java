package dev.memkit;

/**
 * memkit refused memory: a pool at its limit, a budget at its limit or with its breaker open. Catch this to handle
 * every kind of refusal at once; the message always names who refused, the request, the usage and the limit.
 *
 * @since 0.1
 */
public abstract class MemoryLimitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long requestedBytes;
    private final long usedBytes;
    private final long limitBytes;

    /**
     * For subclasses.
     *
     * @param message the full explanation
     * @param requestedBytes the bytes asked for
     * @param usedBytes what the refusing party had in use
     * @param limitBytes its limit
     * @param cause the underlying cause, or null
     */
    protected MemoryLimitException(String message, long requestedBytes, long usedBytes, long limitBytes,
                                   Throwable cause) {
        super(message, cause);
        this.requestedBytes = requestedBytes;
        this.usedBytes = usedBytes;
        this.limitBytes = limitBytes;
    }

    /**
     * The bytes asked for.
     *
     * @return requested bytes
     */
    public long requestedBytes() {
        return requestedBytes;
    }

    /**
     * What the refusing pool or budget had in use.
     *
     * @return used bytes
     */
    public long usedBytes() {
        return usedBytes;
    }

    /**
     * The refusing pool's or budget's limit.
     *
     * @return limit in bytes
     */
    public long limitBytes() {
        return limitBytes;
    }
}
