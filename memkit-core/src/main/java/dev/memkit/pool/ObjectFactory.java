package dev.memkit.pool;

/**
 * Creates the objects of a {@link BoundedPool}. May throw: the failure reaches the acquiring caller as an
 * {@link ObjectCreationException} and the slot stays available. Called on acquiring threads, outside any pool
 * lock, and possibly by several threads at once: it must be thread-safe. The pool owns what it returns.
 *
 * @param <T> the pooled type
 * @since 0.1
 */
@FunctionalInterface
public interface ObjectFactory<T> {
    /**
     * Creates one object.
     *
     * @return a new object, never null
     * @throws Exception when the object cannot be created (a connection refused, say)
     */
    T create() throws Exception;
}
