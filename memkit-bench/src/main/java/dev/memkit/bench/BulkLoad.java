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
 * (fastutil|memkit|batch-SIZE)}
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
            if (kind.equals("fastutil")) {
                Long2LongOpenHashMap map = new Long2LongOpenHashMap();
                for (long i = 0; i < entries; i++) {
                    map.put(key(i), i);
                }
                size = map.size();
            } else {
                try (LongLongMap map = LongLongMap.builder().expectedSize(0).build()) {
                    if (kind.equals("memkit")) {
                        for (long i = 0; i < entries; i++) {
                            map.put(key(i), i);
                        }
                    } else {
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
