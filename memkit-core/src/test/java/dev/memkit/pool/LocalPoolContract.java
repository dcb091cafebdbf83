package dev.memkit.pool;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The behaviour every {@link LocalPool} configuration must have. Each subclass runs the suite against one
 * configuration and on one kind of thread (platform threads use thread caches, virtual threads the depot).
 */
abstract class LocalPoolContract {
    /** A pooled object that remembers how often it was reset. */
    static final class Item {
        final int id;
        int resets;
        int size;

        Item(int id) {
            this.id = id;
        }
    }

    private final List<LocalPool<?>> pools = new ArrayList<>();
    final AtomicInteger made = new AtomicInteger();

    abstract LocalPool.Builder<Item> configure(LocalPool.Builder<Item> builder);

    /** Runs the body on the kind of thread this configuration is about. */
    abstract void onPoolThread(Runnable body) throws Exception;

    LocalPool<Item> pool() {
        return pool(b -> b);
    }

    LocalPool<Item> pool(UnaryOperator<LocalPool.Builder<Item>> extra) {
        LocalPool<Item> p = extra.apply(configure(LocalPool.builder(() -> new Item(made.incrementAndGet()))
                .name(getClass().getSimpleName()).idleTimeout(Duration.ZERO))).build();
        pools.add(p);
        return p;
    }

    @AfterEach
    void closePools() {
        pools.forEach(LocalPool::close);
    }

    @Test
    void emptyPoolCallsTheFactory() throws Exception {
        LocalPool<Item> pool = pool();
        onPoolThread(() -> {
            Item a = pool.get();
            Item b = pool.get();
            assertNotSame(a, b);
            assertEquals(2, made.get());
            LocalPoolStats s = pool.stats();
            assertEquals(2, s.gets());
            assertEquals(2, s.misses());
            assertEquals(0, s.hits());
        });
    }

    @Test
    void putObjectComesBackResetAndCountsAsHit() throws Exception {
        LocalPool<Item> pool = pool(b -> b.reset(i -> i.resets++));
        onPoolThread(() -> {
            Item a = pool.get();
            pool.put(a);
            assertEquals(1, a.resets);
            assertSame(a, pool.get());
            LocalPoolStats s = pool.stats();
            assertEquals(1, s.hits());
            assertEquals(1, s.misses());
            assertEquals(1, s.puts());
            assertEquals(s.hits() + s.misses(), s.gets());
        });
    }

    @Test
    void manyObjectsRoundTripWithoutDuplicates() throws Exception {
        LocalPool<Item> pool = pool();
        onPoolThread(() -> {
            List<Item> out = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                out.add(pool.get());
            }
            out.forEach(pool::put);
            Set<Item> back = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            for (int i = 0; i < 40; i++) {
                assertTrue(back.add(pool.get()), "an object was handed out twice");
            }
            assertTrue(pool.stats().hits() > 0);
        });
    }

    @Test
    void keepPredicateRefusesOversizedObjects() throws Exception {
        LocalPool<Item> pool = pool(b -> b.keepIf(i -> i.size <= 100));
        onPoolThread(() -> {
            Item big = pool.get();
            big.size = 1_000_000;
            pool.put(big);
            assertNotSame(big, pool.get());
            assertEquals(1, pool.stats().dropped());
        });
    }

    @Test
    void objectsPutByAnotherThreadAreKept() throws Exception {
        LocalPool<Item> pool = pool();
        List<Item> taken = new ArrayList<>();
        Thread taker = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 4; i++) {
                taken.add(pool.get());
            }
        });
        taker.join();
        onPoolThread(() -> {
            taken.forEach(pool::put);
            Set<Item> back = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            for (int i = 0; i < 4; i++) {
                back.add(pool.get());
            }
            assertEquals(Set.copyOf(taken), Set.copyOf(back));
        });
    }

    @Test
    void agingDropsInTwoStagesAndAGetRescuesAVictim() throws Exception {
        LocalPool<Item> pool = pool();
        onPoolThread(() -> {
            Item a = pool.get();
            Item b = pool.get();
            pool.put(a);
            pool.put(b);
            pool.age();                       // a and b become victims
            Item rescued = pool.get();
            assertTrue(rescued == a || rescued == b, "a victim is still served");
            assertEquals(1, pool.stats().idle());
            pool.age();                       // the other victim is dropped
            assertEquals(0, pool.stats().idle());
            assertEquals(1, pool.stats().dropped());
            int before = made.get();
            pool.get();
            assertEquals(before + 1, made.get(), "nothing idle is left");
        });
    }

    @Test
    void clearDropsEverythingIdle() throws Exception {
        LocalPool<Item> pool = pool();
        onPoolThread(() -> {
            List<Item> out = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                out.add(pool.get());
            }
            out.forEach(pool::put);
            pool.clear();
            assertEquals(0, pool.stats().idle());
            assertEquals(10, pool.stats().dropped());
        });
    }

    @Test
    void doublePutInARowIsRefused() throws Exception {
        LocalPool<Item> pool = pool();
        onPoolThread(() -> {
            Item a = pool.get();
            pool.put(a);
            assertEquals(1, pool.stats().puts());
            // Only a thread cache can see its own last put; virtual threads put into the shared depot, where the
            // check is not made (LocalPool's documentation says so).
            if (!Thread.currentThread().isVirtual()) {
                assertThrows(IllegalStateException.class, () -> pool.put(a));
                assertEquals(1, pool.stats().puts(), "the refused put was not kept");
            }
        });
    }

    @Test
    void resetFailureReachesTheCallerAndDropsTheObject() throws Exception {
        LocalPool<Item> pool = pool(b -> b.reset(i -> {
            throw new IllegalArgumentException("broken");
        }));
        onPoolThread(() -> {
            Item a = pool.get();
            assertThrows(IllegalArgumentException.class, () -> pool.put(a));
            assertNotSame(a, pool.get());
            assertEquals(1, pool.stats().dropped());
        });
    }

    @Test
    void closedPoolRefusesGetsAndDropsPuts() throws Exception {
        LocalPool<Item> pool = pool();
        onPoolThread(() -> {
            Item a = pool.get();
            pool.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, pool::get);
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            pool.put(a);
            assertEquals(1, pool.stats().dropped());
            assertEquals(0, pool.stats().idle());
        });
    }

    @Test
    void nullsAreRefused() throws Exception {
        LocalPool<Item> pool = pool();
        LocalPool<Item> nullFactory = LocalPool.<Item>builder(() -> null).idleTimeout(Duration.ZERO).build();
        pools.add(nullFactory);
        onPoolThread(() -> {
            assertThrows(NullPointerException.class, () -> pool.put(null));
            NullPointerException e = assertThrows(NullPointerException.class, nullFactory::get);
            assertTrue(e.getMessage().contains("factory returned null"), e.getMessage());
        });
    }
}
