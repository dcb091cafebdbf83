package dev.memkit.offheap;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Writers own disjoint key ranges and keep an exact model of them while segments grow and entries move between
 * buckets under readers; every value encodes its key, so a reader that ever sees a value of another key (a torn or
 * misplaced read) fails. Stable keys, put before the threads start and never touched again, are moved around by
 * the writers' inserts and growths: a reader must find every one of them every time. Bounded by operation count
 * and a wall-clock cap.
 */
class LongLongMapStressTest {
    private static final long SALT = 0x5DEECE66DL;

    @Test
    void concurrentWritersAndOptimisticReadersNeverSeeAWrongValue() throws Exception {
        int writers = 3;
        try (LongLongMap map = LongLongMap.builder().expectedSize(0).segments(4).build()) {
            int stable = 20_000;
            for (long k = 1; k <= stable; k++) {
                map.put(-k, -k * SALT);
            }
            List<java.util.Map<Long, Long>> models = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                models.add(new java.util.HashMap<>());
            }
            WritersAndReaders.run(writers, (id, go) -> {
                java.util.Map<Long, Long> model = models.get(id);
                SplittableRandom rnd = new SplittableRandom(id);
                for (int i = 0; i < 300_000 && go.getAsBoolean(); i++) {
                    long key = rnd.nextLong(50_000) * writers + id;   // disjoint per writer
                    long value = key * SALT + rnd.nextInt(1000);
                    if (id == 0 && rnd.nextInt(64) == 0) {           // writer 0 also puts batches
                        long[] keys = new long[64];
                        long[] values = new long[64];
                        for (int b = 0; b < 64; b++) {
                            keys[b] = rnd.nextLong(50_000) * writers;
                            values[b] = keys[b] * SALT + rnd.nextInt(1000);
                        }
                        map.putAll(keys, values, 0, 64);
                        for (int b = 0; b < 64; b++) {
                            model.put(keys[b], values[b]);
                        }
                    } else if (rnd.nextInt(4) == 0) {
                        assertEquals(model.remove(key) != null, map.remove(key));
                    } else {
                        assertEquals(!model.containsKey(key), map.put(key, value));
                        model.put(key, value);
                    }
                }
            }, 3, (r, go) -> {
                int seed = 100 + r;
                SplittableRandom rnd = new SplittableRandom(seed);
                long[] batch = new long[40];
                long[] got = new long[40];
                while (go.getAsBoolean()) {
                    long s = -1 - rnd.nextLong(stable);
                    long sv = map.getOrDefault(s, Long.MIN_VALUE);
                    if (sv != s * SALT) {
                        throw new AssertionError("stable key " + s + " read as " + sv);
                    }
                    long key = rnd.nextLong(50_000L * writers);
                    long v = map.getOrDefault(key, Long.MIN_VALUE);
                    if (v != Long.MIN_VALUE && (v - key * SALT < 0 || v - key * SALT >= 1000)) {
                        throw new AssertionError("key " + key + " read a value of another key: " + v);
                    }
                    if (seed % 2 == 0) {                      // half the readers also read in batches
                        for (int b = 0; b < batch.length; b++) {
                            batch[b] = b % 2 == 0 ? -1 - rnd.nextLong(stable) : rnd.nextLong(50_000L * writers);
                        }
                        map.getAll(batch, got, 0, batch.length, Long.MIN_VALUE);
                        for (int b = 0; b < batch.length; b++) {
                            long k = batch[b];
                            long d = got[b] - k * SALT;
                            boolean ok = k < 0 ? d == 0 : got[b] == Long.MIN_VALUE || (d >= 0 && d < 1000);
                            if (!ok) {
                                throw new AssertionError("getAll read key " + k + " as " + got[b]);
                            }
                        }
                    }
                }
            }, 15);
            long expected = stable;
            for (java.util.Map<Long, Long> model : models) {
                expected += model.size();
                for (var e : model.entrySet()) {
                    assertEquals(e.getValue(), map.getOrDefault(e.getKey(), -1));
                }
            }
            assertEquals(expected, map.size());
        }
    }
}
