package dev.memkit.pool;

/**
 * A {@link BoundedPool}'s factory failed (or returned null); the cause is the factory's exception.
 *
 * @since 0.1
 */
public final class ObjectCreationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ObjectCreationException(String message, Throwable cause) {
        super(message, cause);
    }
}
