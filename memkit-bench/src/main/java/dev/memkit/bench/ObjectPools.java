package dev.memkit.bench;

import dev.memkit.leak.LeakDetection;
import dev.memkit.pool.BoundedPool;
import dev.memkit.pool.Lease;
import dev.memkit.pool.LocalPool;
import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import stormpot.Allocator;
import stormpot.BasePoolable;
import stormpot.Pool;
import stormpot.Slot;
import stormpot.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One interface over every object pool the object-pool benchmarks compare. {@link #take()} returns a handle (the
 * object or its lease); {@link #give(Object)} returns it. Every variant resets the object's state the same way,
 * in {@code give}, so no pool pays for a hook the others skip; all run with their default settings otherwise.
 */
abstract class ObjectPools {
    /** The small pooled object. */
    static class Payload {
        long a;
        long b;
    }

    /** Stormpot requires its objects to carry their slot. */
    static final class StormpotPayload extends BasePoolable {
        long a;
        long b;

        StormpotPayload(Slot slot) {
            super(slot);
        }
    }

    abstract Object take() throws Exception;

    abstract void give(Object handle) throws Exception;

    /** Touches the object so the work cannot be optimised away. */
    abstract long use(Object handle);

    void close() {
    }

    static ObjectPools create(String name, int capacity) {
        return switch (name) {
            case "new" -> new PlainNew();
            case "memkit-local" -> new MemkitLocal();
            case "memkit-bounded" -> new MemkitBounded(capacity, LeakDetection.SAMPLED, 1024);
            case "memkit-bounded-nosites" -> new MemkitBounded(capacity, LeakDetection.SAMPLED, Integer.MAX_VALUE);
            case "memkit-bounded-noleak" -> new MemkitBounded(capacity, LeakDetection.DISABLED, 1024);
            case "stormpot" -> new Stormpot(capacity);
            case "commons-pool2" -> new CommonsPool(capacity);
            default -> throw new IllegalArgumentException("unknown pool " + name);
        };
    }

    static final class PlainNew extends ObjectPools {
        @Override
        Object take() {
            return new Payload();
        }

        @Override
        void give(Object handle) {
            ((Payload) handle).a = 0;
        }

        @Override
        long use(Object handle) {
            return ++((Payload) handle).a;
        }
    }

    static final class MemkitLocal extends ObjectPools {
        private final LocalPool<Payload> pool = LocalPool.builder(Payload::new).build();

        @Override
        Object take() {
            return pool.get();
        }

        @Override
        void give(Object handle) {
            Payload p = (Payload) handle;
            p.a = 0;
            pool.put(p);
        }

        @Override
        long use(Object handle) {
            return ++((Payload) handle).a;
        }

        @Override
        void close() {
            pool.close();
        }
    }

    static final class MemkitBounded extends ObjectPools {
        private final BoundedPool<Payload> pool;

        MemkitBounded(int capacity, LeakDetection leaks, int siteSamplingRate) {
            pool = BoundedPool.builder(Payload::new).capacity(capacity).leakDetection(leaks)
                    .leakSamplingRate(siteSamplingRate)
                    .acquireTimeout(Duration.ofSeconds(10)).build();
        }

        @Override
        Object take() throws InterruptedException {
            return pool.acquire();
        }

        @Override
        @SuppressWarnings("unchecked")
        void give(Object handle) {
            Lease<Payload> lease = (Lease<Payload>) handle;
            lease.get().a = 0;
            lease.close();
        }

        @Override
        @SuppressWarnings("unchecked")
        long use(Object handle) {
            return ++((Lease<Payload>) handle).get().a;
        }

        @Override
        void close() {
            pool.close();
        }
    }

    static final class Stormpot extends ObjectPools {
        private final Pool<StormpotPayload> pool;
        private final Timeout timeout = new Timeout(10, TimeUnit.SECONDS);

        Stormpot(int capacity) {
            pool = Pool.from(new Allocator<StormpotPayload>() {
                @Override
                public StormpotPayload allocate(Slot slot) {
                    return new StormpotPayload(slot);
                }

                @Override
                public void deallocate(StormpotPayload poolable) {
                }
            }).setSize(capacity).build();
        }

        @Override
        Object take() throws InterruptedException {
            return pool.claim(timeout);
        }

        @Override
        void give(Object handle) {
            StormpotPayload p = (StormpotPayload) handle;
            p.a = 0;
            p.release();
        }

        @Override
        long use(Object handle) {
            return ++((StormpotPayload) handle).a;
        }

        @Override
        void close() {
            try {
                pool.shutdown().await(new Timeout(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static final class CommonsPool extends ObjectPools {
        private final GenericObjectPool<Payload> pool;

        CommonsPool(int capacity) {
            GenericObjectPoolConfig<Payload> config = new GenericObjectPoolConfig<>();
            config.setMaxTotal(capacity);
            config.setMaxIdle(capacity);
            config.setJmxEnabled(false);
            pool = new GenericObjectPool<>(new BasePooledObjectFactory<>() {
                @Override
                public Payload create() {
                    return new Payload();
                }

                @Override
                public PooledObject<Payload> wrap(Payload obj) {
                    return new DefaultPooledObject<>(obj);
                }
            }, config);
        }

        @Override
        Object take() throws Exception {
            return pool.borrowObject();
        }

        @Override
        void give(Object handle) {
            Payload p = (Payload) handle;
            p.a = 0;
            pool.returnObject(p);
        }

        @Override
        long use(Object handle) {
            return ++((Payload) handle).a;
        }

        @Override
        void close() {
            pool.close();
        }
    }
}
