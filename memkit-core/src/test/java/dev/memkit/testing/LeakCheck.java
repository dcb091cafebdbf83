package dev.memkit.testing;

import dev.memkit.buffer.BufferPool;
import dev.memkit.pool.BoundedPool;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * memkit's leak-checking test mode: register every pool a test creates; after the test, each must have no
 * outstanding lease (the failure lists what is outstanding, with allocation sites where recorded), and is closed.
 */
public final class LeakCheck implements AfterEachCallback {
    private final List<Tracked> tracked = new ArrayList<>();

    private record Tracked(Runnable check, AutoCloseable resource) {}

    /**
     * Registers a buffer pool to check and close after the test.
     *
     * @param pool the pool
     * @return the pool
     */
    public BufferPool track(BufferPool pool) {
        tracked.add(new Tracked(pool::checkNoLeases, pool));
        return pool;
    }

    /**
     * Registers an object pool to check and close after the test.
     *
     * @param pool the pool
     * @param <T> its type
     * @return the pool
     */
    public <T> BoundedPool<T> track(BoundedPool<T> pool) {
        tracked.add(new Tracked(() -> {
            int leased = pool.stats().leased();
            if (leased != 0) {
                throw new IllegalStateException("BoundedPool '" + pool.name() + "' has " + leased
                        + " unreleased lease(s)");
            }
        }, pool));
        return pool;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        List<Tracked> toCheck = new ArrayList<>(tracked);
        tracked.clear();
        IllegalStateException failure = null;
        for (Tracked t : toCheck) {
            try {
                t.check.run();
            } catch (IllegalStateException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            } finally {
                t.resource.close();
            }
        }
        if (failure != null && context.getExecutionException().isEmpty()) {
            throw new AssertionError("test left memory unreleased: " + failure.getMessage(), failure);
        }
    }
}
