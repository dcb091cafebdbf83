package dev.memkit.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The machine's cost of one cache miss that cannot overlap another: a pointer chase through a random cycle of
 * cache lines in native memory as big as a map's table, so every step misses the caches (and the TLB) and waits
 * for the previous one. It is the floor of any operation that must finish one miss before starting the next, such
 * as a put on a concurrent map, whose lock is a locked instruction the CPU does not reorder with the put's loads.
 * Run: {@code java -cp memkit-bench/target/benchmarks.jar dev.memkit.bench.MemoryLatency [MiB]} (default 585, the
 * table of a 30 M-entry {@code LongLongMap}); five rounds of 5 M steps, each printing ns per step.
 */
public final class MemoryLatency {
    private static final int LINE = 64;
    private static final int STEPS = 5_000_000;

    private MemoryLatency() {}

    public static void main(String[] args) {
        long mib = args.length > 0 ? Long.parseLong(args[0]) : 585;
        int lines = Math.toIntExact((mib << 20) / LINE);
        int[] order = new int[lines];
        for (int i = 0; i < lines; i++) {
            order[i] = i;
        }
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = lines - 1; i > 0; i--) {      // Fisher-Yates: one cycle through every line in random order
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment lineChain = arena.allocate((long) LINE * lines, LINE);
            for (int i = 0; i < lines; i++) {
                lineChain.set(ValueLayout.JAVA_LONG, (long) LINE * order[i], (long) LINE * order[(i + 1) % lines]);
            }
            System.out.printf(Locale.ROOT, "pointer chase over %,d MiB of native memory; ns per dependent miss:%n",
                    mib);
            long at = 0;
            for (int round = 0; round < 5; round++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < STEPS; i++) {
                    at = lineChain.get(ValueLayout.JAVA_LONG, at);
                }
                System.out.printf(Locale.ROOT, "  %.1f%n", (System.nanoTime() - t0) / (double) STEPS);
            }
            if (at == -1) {
                System.out.println(); // uses the chase's result so the JIT keeps it
            }
        }
    }
}
