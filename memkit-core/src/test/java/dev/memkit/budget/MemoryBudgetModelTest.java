package dev.memkit.budget;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random trees and random reserve/release sequences: single-threaded against an exact model, and
 * multi-threaded checking that no limit is ever exceeded and that everything returns to zero.
 */
class MemoryBudgetModelTest {

    record Op(int budget, long bytes, boolean release) {}

    @Provide
    Arbitrary<List<Op>> ops() {
        return Combinators.combine(Arbitraries.integers().between(0, 6), Arbitraries.longs().between(0, 400),
                Arbitraries.integers().between(0, 2)).as((b, n, r) -> new Op(b, n, r == 0)).list().ofMaxSize(200);
    }

    /** root(1000) → a(600, guarantee 100), b(500) → a1(300), a2(400), b1(500, guarantee 50, critical), b2(200). */
    static List<MemoryBudget> tree() {
        MemoryBudget root = MemoryBudget.root("r", 1000);
        MemoryBudget a = root.child("a", 600, 100, false);
        MemoryBudget b = root.child("b", 500);
        return List.of(root, a, b, a.child("a1", 300), a.child("a2", 400), b.child("b1", 500, 50, true),
                b.child("b2", 200));
    }

    @Property(tries = 200)
    void singleThreadedMatchesTheModel(@ForAll("ops") List<Op> ops) {
        List<MemoryBudget> budgets = tree();
        long[] own = new long[budgets.size()]; // bytes each budget reserved itself
        for (Op op : ops) {
            MemoryBudget b = budgets.get(op.budget());
            if (op.release()) {
                long n = Math.min(op.bytes(), own[op.budget()]);
                b.release(n);
                own[op.budget()] -= n;
            } else if (b.tryReserve(op.bytes())) {
                own[op.budget()] += op.bytes();
            }
            for (MemoryBudget x : budgets) {
                assertTrue(x.used() <= x.limit(), x.toString());
                assertTrue(x.used() >= 0, x.toString());
            }
            assertEquals(expectedUsed(budgets, own, 0), budgets.get(0).used(), "root usage is exact");
        }
        for (int i = 0; i < own.length; i++) {
            budgets.get(i).release(own[i]);
        }
        assertEquals(150, budgets.get(0).used(), "only the guarantees remain");
        assertEquals(50, budgets.get(2).used());
    }

    /** The model: a budget's usage is its own bytes, its children's guarantees, and their usage beyond them. */
    private static long expectedUsed(List<MemoryBudget> budgets, long[] own, int index) {
        MemoryBudget b = budgets.get(index);
        long sum = own[index];
        for (MemoryBudget c : b.children()) {
            int ci = budgets.indexOf(c);
            long g = guarantee(c.path());
            sum += g + Math.max(0, expectedUsed(budgets, own, ci) - g);
        }
        return sum;
    }

    private static long guarantee(String path) {
        return switch (path) {
            case "r/a" -> 100;
            case "r/b/b1" -> 50;
            default -> 0;
        };
    }

    @Property(tries = 15)
    void concurrentUseNeverExceedsALimitAndReturnsToZero(@ForAll @IntRange(min = 2, max = 6) int threads,
                                                          @ForAll long seed) throws Exception {
        List<MemoryBudget> budgets = tree();
        ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long s = seed + t;
            workers.add(Thread.ofPlatform().start(() -> {
                SplittableRandom rnd = new SplittableRandom(s);
                long[] own = new long[budgets.size()];
                for (int i = 0; i < 5_000; i++) {
                    int bi = rnd.nextInt(budgets.size());
                    MemoryBudget b = budgets.get(bi);
                    if (rnd.nextBoolean() && own[bi] > 0) {
                        long n = 1 + rnd.nextLong(own[bi]);
                        b.release(n);
                        own[bi] -= n;
                    } else {
                        long n = rnd.nextLong(120);
                        if (b.tryReserve(n)) {
                            own[bi] += n;
                        }
                    }
                    for (MemoryBudget x : budgets) {
                        if (x.used() > x.limit()) {
                            violations.add(x.toString());
                        }
                    }
                }
                for (int i = 0; i < own.length; i++) {
                    budgets.get(i).release(own[i]);
                }
            }));
        }
        for (Thread w : workers) {
            w.join();
        }
        assertEquals(List.of(), List.copyOf(violations));
        assertEquals(150, budgets.get(0).used(), "no byte lost or double counted");
        for (MemoryBudget x : budgets.subList(3, budgets.size())) {
            assertEquals(0, x.used(), x.toString());
        }
    }
}
