package dev.memkit.offheap;

import dev.memkit.budget.BudgetExceededException;
import dev.memkit.budget.MemoryBudget;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Random operation sequences against {@link HashMap}, on tiny segments so growth and shifting happen a lot. */
class LongLongMapModelTest {
    enum Kind { PUT, GET, REMOVE, CONTAINS, ITERATE, CLEAR }

    record Op(Kind kind, long key, long value) {}

    @Provide
    Arbitrary<List<Op>> ops() {
        // Few distinct keys (including 0, negatives and extremes) so puts, hits and removes collide often.
        Arbitrary<Long> keys = Arbitraries.oneOf(Arbitraries.longs().between(-300, 300),
                Arbitraries.of(0L, Long.MIN_VALUE, Long.MAX_VALUE, -1L), Arbitraries.longs());
        Arbitrary<Kind> kinds = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(40, Arbitraries.just(Kind.PUT)),
                net.jqwik.api.Tuple.of(20, Arbitraries.just(Kind.GET)),
                net.jqwik.api.Tuple.of(20, Arbitraries.just(Kind.REMOVE)),
                net.jqwik.api.Tuple.of(10, Arbitraries.just(Kind.CONTAINS)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(Kind.ITERATE)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(Kind.CLEAR)));
        return net.jqwik.api.Combinators.combine(kinds, keys, Arbitraries.longs()).as(Op::new).list()
                .ofMinSize(1).ofMaxSize(600);
    }

    @Property(tries = 150)
    void agreesWithHashMap(@ForAll("ops") List<Op> ops, @ForAll boolean concurrent,
                           @ForAll("segmentCounts") int segments) {
        Map<Long, Long> model = new HashMap<>();
        try (LongLongMap map = LongLongMap.builder().expectedSize(0).segments(segments).concurrent(concurrent)
                .build()) {
            for (Op op : ops) {
                switch (op.kind()) {
                    case PUT -> assertEquals(!model.containsKey(op.key()), map.put(op.key(), op.value()),
                            "put reports whether the key was new");
                    case GET -> assertEquals(model.getOrDefault(op.key(), 12345L), map.getOrDefault(op.key(), 12345L));
                    case REMOVE -> assertEquals(model.remove(op.key()) != null, map.remove(op.key()));
                    case CONTAINS -> assertEquals(model.containsKey(op.key()), map.containsKey(op.key()));
                    case ITERATE -> {
                        Map<Long, Long> seen = new HashMap<>();
                        map.forEach((k, v) -> assertEquals(null, seen.put(k, v), "each key once"));
                        assertEquals(model, seen);
                    }
                    case CLEAR -> {
                        map.clear();
                        model.clear();
                    }
                }
                if (op.kind() == Kind.PUT) {
                    model.put(op.key(), op.value());
                }
                assertEquals(model.size(), map.size());
            }
            for (Map.Entry<Long, Long> e : model.entrySet()) {
                assertEquals(e.getValue(), map.getOrDefault(e.getKey(), 0));
            }
        }
    }

    @Property(tries = 100)
    void putAllAgreesWithPutsOneByOne(@ForAll("batches") List<List<Long>> batches, @ForAll boolean concurrent,
                                      @ForAll("segmentCounts") int segments) {
        Map<Long, Long> model = new HashMap<>();
        try (LongLongMap map = LongLongMap.builder().expectedSize(0).segments(segments).concurrent(concurrent)
                .build()) {
            long value = 0;
            for (List<Long> batch : batches) {
                long[] keys = new long[batch.size() + 2];
                long[] values = new long[keys.length];
                int fresh = 0;
                java.util.Set<Long> seen = new java.util.HashSet<>();
                for (int i = 0; i < batch.size(); i++) {
                    keys[i + 1] = batch.get(i);
                    values[i + 1] = ++value;
                    if (!model.containsKey(batch.get(i)) && seen.add(batch.get(i))) {
                        fresh++;
                    }
                }
                keys[0] = 12345;                      // outside [from, to): must not be put
                keys[keys.length - 1] = 67890;
                assertEquals(fresh, map.putAll(keys, values, 1, keys.length - 1), "new keys counted");
                for (int i = 1; i < keys.length - 1; i++) {
                    model.put(keys[i], values[i]);    // a key given twice ends with its later value
                }
                assertEquals(model.size(), map.size());
                for (Map.Entry<Long, Long> e : model.entrySet()) {
                    assertEquals(e.getValue(), map.getOrDefault(e.getKey(), -1));
                }
                long[] got = new long[keys.length];
                got[0] = 111;                         // outside [from, to): must not be written
                map.getAll(keys, got, 1, keys.length, -1);
                assertEquals(111, got[0]);
                for (int i = 1; i < keys.length; i++) {
                    assertEquals(model.getOrDefault(keys[i], -1L), got[i], "getAll agrees with the model");
                }
                assertFalse(!model.containsKey(12345L) && map.containsKey(12345));
                assertFalse(!model.containsKey(67890L) && map.containsKey(67890));
            }
        }
    }

    @Provide
    Arbitrary<List<List<Long>>> batches() {
        Arbitrary<Long> keys = Arbitraries.oneOf(Arbitraries.longs().between(-2000, 2000),
                Arbitraries.of(0L, Long.MIN_VALUE, Long.MAX_VALUE), Arbitraries.longs());
        return keys.list().ofMaxSize(3000).list().ofMinSize(1).ofMaxSize(4);
    }

    @Test
    void aRefusedBatchLeavesEveryEntryWholeAndReturnsEveryByte() {
        MemoryBudget budget = MemoryBudget.root("maps", 256 * 1024);
        try (LongLongMap map = LongLongMap.builder().expectedSize(0).segments(8).budget(budget).build()) {
            long[] keys = new long[100_000];
            long[] values = new long[keys.length];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = i + 1;
                values[i] = -(i + 1);
            }
            BudgetExceededException e = assertThrows(BudgetExceededException.class,
                    () -> map.putAll(keys, values, 0, keys.length));
            assertTrue(e.getMessage().contains("maps"), e.getMessage());
            long present = 0;
            for (long k : keys) {
                long v = map.getOrDefault(k, 0);
                assertTrue(v == 0 || v == -k, "an entry is whole or absent");
                present += v == 0 ? 0 : 1;
            }
            assertEquals(present, map.size());
            assertTrue(budget.used() <= 256 * 1024);
        }
        assertEquals(0, budget.used(), "close returns every byte to the budget");
    }

    @Test
    void putAllChecksItsRange() {
        try (LongLongMap map = LongLongMap.builder().build()) {
            assertThrows(IndexOutOfBoundsException.class, () -> map.putAll(new long[3], new long[2], 0, 3));
            assertThrows(IndexOutOfBoundsException.class, () -> map.putAll(new long[3], new long[3], 2, 1));
            assertEquals(0, map.putAll(new long[3], new long[3], 1, 1));
            assertEquals(0, map.size());
        }
    }

    @Test
    void getAllChecksItsRangeAndTheMap() {
        LongLongMap map = LongLongMap.builder().build();
        assertThrows(IndexOutOfBoundsException.class, () -> map.getAll(new long[3], new long[2], 0, 3, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> map.getAll(new long[3], new long[3], 2, 1, 0));
        map.getAll(new long[3], new long[3], 1, 1, 0);
        map.close();
        assertThrows(IllegalStateException.class, () -> map.getAll(new long[3], new long[3], 0, 3, 0));
    }

    @Test
    void getAllFindsEveryKeyOfAMapLargerThanTheCpuCaches() {
        int n = 2_500_000; // ~44 MB of tables
        long[] keys = new long[n];
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = (i + 1) * 0x9E3779B97F4A7C15L;
            values[i] = i;
        }
        try (LongLongMap map = LongLongMap.builder().expectedSize(n).build()) {
            map.putAll(keys, values, 0, n);
            long[] got = new long[n];
            map.getAll(keys, got, 0, n, -1);
            for (int i = 0; i < n; i++) {
                if (got[i] != i) {
                    assertEquals(i, got[i], "getAll of key " + i);
                }
            }
            for (int i = 0; i < n; i += 101) {
                assertEquals(i, map.getOrDefault(keys[i], -1));
                assertEquals(-1, map.getOrDefault(keys[i] + 1, -1));
            }
        }
    }

    @Provide
    Arbitrary<Integer> segmentCounts() {
        return Arbitraries.of(1, 2, 8);
    }

    @Test
    void growsFromEmptyToAMillionAndStaysDense() {
        try (LongLongMap map = LongLongMap.builder().expectedSize(0).build()) {
            for (long k = 1; k <= 1_000_000; k++) {
                map.put(k * 7919, k);
            }
            assertEquals(1_000_000, map.size());
            for (long k = 1; k <= 1_000_000; k += 997) {
                assertEquals(k, map.getOrDefault(k * 7919, -1));
            }
            double bytesPerEntry = (double) map.nativeBytes() / map.size();
            assertTrue(bytesPerEntry < 26, "bytes per entry " + bytesPerEntry);
        }
    }

    @Test
    void useAfterCloseThrows() {
        LongLongMap map = LongLongMap.builder().build();
        map.put(1, 2);
        map.close();
        map.close();
        assertThrows(IllegalStateException.class, () -> map.getOrDefault(1, 0));
        assertThrows(IllegalStateException.class, () -> map.put(1, 2));
        assertThrows(IllegalStateException.class, () -> map.remove(1));
        assertThrows(IllegalStateException.class, map::size);
    }

    @Test
    void aRefusedGrowthLeavesTheMapUnchangedAndEverythingIsReturned() {
        MemoryBudget budget = MemoryBudget.root("maps", 64 * 1024);
        try (LongLongMap map = LongLongMap.builder().expectedSize(0).segments(1).budget(budget).build()) {
            long k = 1;
            BudgetExceededException refused = null;
            for (; k < 100_000 && refused == null; k++) {
                try {
                    map.put(k, k);
                } catch (BudgetExceededException e) {
                    refused = e;
                }
            }
            assertTrue(refused != null && refused.getMessage().contains("maps"), String.valueOf(refused));
            long failedKey = k - 1;
            assertFalse(map.containsKey(failedKey), "the refused put did not happen");
            assertEquals(failedKey - 1, map.size());
            for (long i = 1; i < failedKey; i++) {
                assertEquals(i, map.getOrDefault(i, -1));
            }
            assertTrue(budget.used() > 0 && budget.used() <= 64 * 1024);
        }
        assertEquals(0, budget.used(), "close returns every byte to the budget");
    }
}
