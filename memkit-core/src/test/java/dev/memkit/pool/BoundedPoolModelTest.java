package dev.memkit.pool;

import dev.memkit.leak.LeakDetection;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random sequences of acquire, release, invalidate, failing factories and failing validation against a simple
 * model: never more than {@code capacity} objects alive, no object leased twice, and after close every created
 * object destroyed exactly once.
 */
class BoundedPoolModelTest {
    enum Op { ACQUIRE, RELEASE, INVALIDATE, BREAK_ONE, FAIL_NEXT_CREATE, DOUBLE_RELEASE }

    record Step(Op op, int pick) {}

    static final class Obj {
        boolean broken;
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        return Arbitraries.oneOf(
                Arbitraries.integers().between(0, 1000).map(p -> new Step(Op.ACQUIRE, p)),
                Arbitraries.integers().between(0, 1000).map(p -> new Step(Op.ACQUIRE, p)),
                Arbitraries.integers().between(0, 1000).map(p -> new Step(Op.RELEASE, p)),
                Arbitraries.integers().between(0, 1000).map(p -> new Step(Op.INVALIDATE, p)),
                Arbitraries.integers().between(0, 1000).map(p -> new Step(Op.BREAK_ONE, p)),
                Arbitraries.integers().between(0, 1000).map(p -> new Step(Op.FAIL_NEXT_CREATE, p)),
                Arbitraries.integers().between(0, 1000).map(p -> new Step(Op.DOUBLE_RELEASE, p)))
                .list().ofMinSize(1).ofMaxSize(200);
    }

    @Property(tries = 200)
    void poolAgreesWithTheModel(@ForAll("steps") List<Step> steps, @ForAll @IntRange(min = 1, max = 6) int capacity,
                                @ForAll @IntRange(min = 0, max = 3) int maxUses) throws Exception {
        Map<Obj, Integer> destroyCount = new IdentityHashMap<>();
        List<Obj> created = new ArrayList<>();
        boolean[] failNext = {false};
        BoundedPoolBuilder<Obj> b = BoundedPool.<Obj>builder(() -> {
            if (failNext[0]) {
                failNext[0] = false;
                throw new IllegalStateException("planned failure");
            }
            Obj o = new Obj();
            created.add(o);
            return o;
        }).capacity(capacity).leakDetection(LeakDetection.DISABLED)
                .validateOnAcquire(o -> !o.broken).validateOnRelease(o -> !o.broken)
                .onDestroy(o -> destroyCount.merge(o, 1, Integer::sum));
        if (maxUses > 0) {
            b.maxUses(maxUses);
        }
        BoundedPool<Obj> pool = b.build();
        List<Lease<Obj>> leased = new ArrayList<>();
        List<Lease<Obj>> released = new ArrayList<>();
        for (Step step : steps) {
            switch (step.op()) {
                case ACQUIRE -> {
                    if (failNext[0] && leased.size() < capacity) {
                        // only fails if a new object is needed; either way the slot must survive
                        try {
                            pool.tryAcquire().ifPresent(leased::add);
                        } catch (ObjectCreationException expected) {
                            assertFalse(failNext[0]);
                        }
                    } else {
                        Optional<Lease<Obj>> l = pool.tryAcquire();
                        assertEquals(leased.size() < capacity, l.isPresent(), "free slot iff fewer than capacity");
                        l.ifPresent(leased::add);
                    }
                }
                case RELEASE, INVALIDATE -> {
                    if (!leased.isEmpty()) {
                        Lease<Obj> l = leased.remove(step.pick() % leased.size());
                        if (step.op() == Op.RELEASE) {
                            l.close();
                        } else {
                            l.invalidate();
                        }
                        released.add(l);
                    }
                }
                case BREAK_ONE -> {
                    if (!leased.isEmpty()) {
                        leased.get(step.pick() % leased.size()).get().broken = true;
                    }
                }
                case FAIL_NEXT_CREATE -> failNext[0] = true;
                case DOUBLE_RELEASE -> {
                    if (!released.isEmpty()) {
                        Lease<Obj> l = released.get(step.pick() % released.size());
                        assertThrows(IllegalStateException.class, l::close);
                        assertThrows(IllegalStateException.class, l::get);
                    }
                }
            }
            long alive = created.stream().filter(o -> !destroyCount.containsKey(o)).count();
            assertTrue(alive <= capacity, "alive " + alive + " > capacity " + capacity);
            assertEquals(leased.size(), leased.stream().map(Lease::get).distinct().count(), "leased twice");
            for (Lease<Obj> l : leased) {
                assertNull(destroyCount.get(l.get()), "a leased object was destroyed");
            }
            BoundedPoolStats s = pool.stats();
            assertEquals(leased.size(), s.leased());
            assertEquals(created.size(), s.created());
            assertEquals(destroyCount.size(), s.destroyed());
        }
        pool.close();
        for (Lease<Obj> l : leased) {
            l.close();
        }
        for (Obj o : created) {
            assertEquals(1, destroyCount.getOrDefault(o, 0), "every object destroyed exactly once");
        }
    }
}
