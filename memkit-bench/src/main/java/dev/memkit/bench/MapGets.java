package dev.memkit.bench;

import dev.memkit.offheap.LongLongMap;
import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Off-heap issue: throughput of independent gets of random present keys in a map larger than the CPU caches, one
 * thread, no churn: memkit's {@code getOrDefault} one key at a time, its batched {@code getAll}, and fastutil's
 * {@code get}, on the same keys in the same JVM. Five rounds of 8 M gets; each prints ns per get.
 * Run: {@code java -Xmx8g -cp memkit-bench/target/benchmarks.jar dev.memkit.bench.MapGets entries
 * [concurrent|unsynchronized] [fastutil load factor]} (the second argument builds memkit's map with
 * {@code concurrent(false)}; the third is fastutil's load factor, 0.75 by default, which at 30 M entries leaves its
 * power-of-two table 45% full: 28.5 M entries with 0.9 fill it to 85%, near memkit's density).
 */
public final class MapGets {
    private static final int GETS = 8_000_000;

    private MapGets() {}

    public static void main(String[] args) {
        int entries = Integer.parseInt(args[0]);
        boolean concurrent = args.length < 2 || !args[1].equals("unsynchronized");
        long[] keys = new long[entries];
        long[] values = new long[entries];
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < entries; i++) {
            keys[i] = rnd.nextLong();
            values[i] = i;
        }
        float loadFactor = args.length > 2 ? Float.parseFloat(args[2]) : Long2LongOpenHashMap.DEFAULT_LOAD_FACTOR;
        Long2LongOpenHashMap fastutil = new Long2LongOpenHashMap(Long2LongOpenHashMap.DEFAULT_INITIAL_SIZE, loadFactor);
        for (int i = 0; i < entries; i++) {
            fastutil.put(keys[i], values[i]);
        }
        long[] asked = new long[GETS];
        for (int i = 0; i < GETS; i++) {
            asked[i] = keys[rnd.nextInt(entries)];
        }
        long[] got = new long[GETS];
        try (LongLongMap map = LongLongMap.builder().concurrent(concurrent).build()) {
            for (int i = 0; i < entries; i += 4_000_000) {
                map.putAll(keys, values, i, Math.min(entries, i + 4_000_000));
            }
            System.out.printf(Locale.ROOT, "%,d entries, %s map, fastutil load factor %.2f; ns per get:%n", entries,
                    concurrent ? "concurrent" : "unsynchronized", loadFactor);
            for (int round = 0; round < 5; round++) {
                long t0 = System.nanoTime();
                long single = 0;
                for (int i = 0; i < GETS; i++) {
                    single += map.getOrDefault(asked[i], -1);
                }
                long t1 = System.nanoTime();
                map.getAll(asked, got, 0, GETS, -1);
                long t2 = System.nanoTime();
                long batched = 0;
                for (long v : got) {
                    batched += v;
                }
                long t3 = System.nanoTime();
                long anchor = 0;
                for (int i = 0; i < GETS; i++) {
                    anchor += fastutil.get(asked[i]);
                }
                long t4 = System.nanoTime();
                if (single != batched || single != anchor) {
                    throw new AssertionError("the three lookups disagree");
                }
                System.out.printf(Locale.ROOT, "  memkit one at a time %.1f, memkit getAll %.1f, fastutil %.1f%n",
                        (t1 - t0) / (double) GETS, (t2 - t1) / (double) GETS, (t4 - t3) / (double) GETS);
            }
        }
    }
}
