package dev.memkit.bench;

import dev.memkit.offheap.LongLongMap;
import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;

import java.util.Locale;

/**
 * Off-heap issue: loading a {@code long → long} map from empty, one kind of load per JVM so no run inherits
 * another's heap or native memory: fastutil one put at a time, memkit one put at a time, or memkit's
 * {@code putAll} in batches of a given size. Keys as in {@code memkit demo bigheap}. Three rounds; each prints
 * its time.
 * Run: {@code java -Xmx3g -cp memkit-bench/target/benchmarks.jar dev.memkit.bench.BulkLoad entries
 * (fastutil|fastutil-LOADFACTOR|memkit|memkit-unsynchronized|batch-SIZE)} ({@code fastutil-0.9} loads fastutil
 * with load factor 0.9, so that at 28.5 M entries its table ends as full as memkit's, 85%;
 * {@code memkit-unsynchronized} puts one at a time into a map built with {@code concurrent(false)}).
 */
public final class BulkLoad {
    private BulkLoad() {}

    private static long key(long i) {
        return (i + 1) * 0x9E3779B97F4A7C15L;
    }

    public static void main(String[] args) {
        long entries = Long.parseLong(args[0]);
        String kind = args[1];
        for (int round = 0; round < 3; round++) {
            long t0 = System.nanoTime();
            long size;
            if (kind.startsWith("fastutil")) {
                float loadFactor = kind.startsWith("fastutil-") ? Float.parseFloat(kind.substring("fastutil-".length()))
                        : Long2LongOpenHashMap.DEFAULT_LOAD_FACTOR;
                Long2LongOpenHashMap map = new Long2LongOpenHashMap(Long2LongOpenHashMap.DEFAULT_INITIAL_SIZE,
                        loadFactor);
                for (long i = 0; i < entries; i++) {
                    map.put(key(i), i);
                }
                size = map.size();
            } else {
                try (LongLongMap map = LongLongMap.builder().expectedSize(0)
                        .concurrent(!kind.equals("memkit-unsynchronized")).build()) {
                    if (kind.equals("memkit") || kind.equals("memkit-unsynchronized")) {
                        for (long i = 0; i < entries; i++) {
                            map.put(key(i), i);
                        }
                    } else {
                        if (!kind.startsWith("batch-")) {
                            throw new IllegalArgumentException("unknown kind of load: " + kind);
                        }
                        int batch = (int) Math.min(entries, Long.parseLong(kind.substring("batch-".length())));
                        long[] keys = new long[batch];
                        long[] values = new long[batch];
                        for (long base = 0; base < entries; base += batch) {
                            int n = (int) Math.min(batch, entries - base);
                            for (int i = 0; i < n; i++) {
                                keys[i] = key(base + i);
                                values[i] = base + i;
                            }
                            map.putAll(keys, values, 0, n);
                        }
                    }
                    size = map.size();
                }
            }
            System.out.printf(Locale.ROOT, "%s: %,d entries in %.2f s%n", kind, size, (System.nanoTime() - t0) / 1e9);
        }
    }
}
