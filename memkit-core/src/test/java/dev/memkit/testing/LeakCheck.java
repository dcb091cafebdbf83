package dev.memkit.testing;

import dev.memkit.buffer.BufferPool;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * memkit's leak-checking test mode: register every pool a test creates; after the test, each must have no
 * outstanding lease (the failure lists the allocation sites), and is closed.
 */
public final class LeakCheck implements AfterEachCallback {
    private final List<BufferPool> pools = new ArrayList<>();

    /** Registers a pool to check and close after the test. */
    public BufferPool track(BufferPool pool) {
        pools.add(pool);
        return pool;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<BufferPool> toCheck = new ArrayList<>(pools);
        pools.clear();
        IllegalStateException failure = null;
        for (BufferPool pool : toCheck) {
            try {
                pool.checkNoLeases();
            } catch (IllegalStateException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            } finally {
                pool.close();
            }
        }
        if (failure != null && context.getExecutionException().isEmpty()) {
            throw new AssertionError("test left memory unreleased: " + failure.getMessage(), failure);
        }
    }
}
