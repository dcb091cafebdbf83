package dev.memkit.pool;

import org.junit.jupiter.api.Nested;

import java.util.concurrent.atomic.AtomicReference;

/** Runs {@link LocalPoolContract} against every configuration and kind of thread. */
class LocalPoolConfigurationsTest {
    static void onPlatformThread(Runnable body) {
        body.run();
    }

    static void onVirtualThread(Runnable body) throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.join();
        if (failure.get() instanceof Error e) {
            throw e;
        }
        if (failure.get() instanceof Exception e) {
            throw e;
        }
    }

    @Nested
    class Defaults extends LocalPoolContract {
        @Override
        LocalPool.Builder<Item> configure(LocalPool.Builder<Item> b) {
            return b;
        }

        @Override
        void onPoolThread(Runnable body) {
            onPlatformThread(body);
        }
    }

    /** One-object thread caches: almost every put overflows to the depot. */
    @Nested
    class TinyThreadCaches extends LocalPoolContract {
        @Override
        LocalPool.Builder<Item> configure(LocalPool.Builder<Item> b) {
            return b.threadCacheSize(1).sharedCapacity(64);
        }

        @Override
        void onPoolThread(Runnable body) {
            onPlatformThread(body);
        }
    }

    /** Virtual threads never get a thread cache: everything goes through the depot. */
    @Nested
    class VirtualThreads extends LocalPoolContract {
        @Override
        LocalPool.Builder<Item> configure(LocalPool.Builder<Item> b) {
            return b;
        }

        @Override
        void onPoolThread(Runnable body) throws Exception {
            onVirtualThread(body);
        }
    }
}
