package dev.memkit.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The footprint trace. Each of 2 threads keeps a ring of 256 live buffers of log-uniform random size (1 B to
 * 16 MiB), replacing one per step and touching every page of the new one. Reports peak RSS
 * over peak live bytes (RSS above the JVM's own baseline, read from /proc/self/status before the trace), buffers
 * per second, and the process's minor page faults per buffer (the rings' fill included). Every allocator runs in
 * its own JVM so their footprints do not mix. {@code touch-only} (run by name) is the trace's ceiling: every buffer
 * pre-faulted, no allocator cost.
 *
 * <p>Run all: {@code java --enable-native-access=ALL-UNNAMED -cp memkit-bench/target/benchmarks.jar
 * dev.memkit.bench.FootprintTrace}. One: append an allocator name (memkit, malloc, netty-pooled, ...;
 * {@code memkit-headroom-N} is the default pool with {@code idleHeadroom(1.0 / N)}, {@code memkit-coarse-headroom-N}
 * the same with the coarse classes). {@code -Dsteps=N} sets the steps
 * per thread (default 6000; 30000 for steady state, with {@code -Dseconds=120}).
 *
 * <p>Every child JVM gets the same fixed, pre-touched 1 GiB heap, so the heap is part of the baseline: how far the
 * JVM grows its heap under each allocator's garbage is the collector's choice, not the allocator's native
 * footprint, and in long runs it dominated the figure. The garbage still shows, as the count of collections.
 * {@code -DchildHeap=SIZE} sets that heap ({@code byte-array} with big buffers needs more than the default 1g).
 *
 * <p>The shape is set by system properties: {@code -Dthreads=N} (default 2), {@code -Dring=N} live buffers per
 * thread (256), {@code -DmaxSize=BYTES} (16 MiB) and {@code -Dsizes=log|uniform|skewed} ({@code log}: log-uniform
 * from 1 B; {@code uniform}: uniform from 1 B; {@code skewed}: 90% log-uniform 1 B–4 KiB, 10% uniform in the top
 * half, {@code maxSize / 2} to {@code maxSize}); {@code -Dstride=N} touches every N bytes instead of every page
 * ({@code -Dstride=1000000000}: the first and last byte only, so the allocator's own cost stands out).
 * {@code -Dstats=true} prints a memkit pool's statistics at the end (to stderr).
 */
public final class FootprintTrace {
    static final String[] ALL = {"memkit", "memkit-resident", "memkit-coarse", "malloc", "netty-pooled", "netty-adaptive",
        "allocate-direct", "byte-array"};
    private static final int THREADS = Integer.getInteger("threads", 2);
    private static final int RING = Integer.getInteger("ring", 256);
    private static final long MAX_SIZE = Long.getLong("maxSize", 16L << 20);
    private static final String SIZES = System.getProperty("sizes", "log");
    /** Bytes between two touches of a new buffer, a page by default; its last byte is always touched. */
    private static final long TOUCH_STRIDE = Long.getLong("stride", 4096);

    private FootprintTrace() {}

    public static void main(String[] args) throws Exception {
        int steps = Integer.getInteger("steps", 6000);
        long seconds = Long.getLong("seconds", 40);
        if (args.length == 1) {
            System.out.println(runOne(args[0], steps, seconds));
            return;
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("java.class.path");
        System.out.printf("%d threads x ring %d, %s sizes 1 B-%d B, up to %d steps/thread or %d s%n",
                THREADS, RING, SIZES, MAX_SIZE, steps, seconds);
        System.out.println("| allocator | peak RSS - baseline | peak live | RSS/live | buffers/s | page faults/buffer | young GCs |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (String name : args.length > 1 ? args : ALL) {
            String heap = System.getProperty("childHeap", "1g");
            Process p = new ProcessBuilder(java, "-Xms" + heap, "-Xmx" + heap, "-XX:+AlwaysPreTouch", "-XX:MaxDirectMemorySize=16g",
                    "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                    "-Dsteps=" + steps, "-Dseconds=" + seconds, "-Dthreads=" + THREADS, "-Dring=" + RING,
                    "-DmaxSize=" + MAX_SIZE, "-Dsizes=" + SIZES, "-Dstats=" + Boolean.getBoolean("stats"),
                    "-cp", cp, FootprintTrace.class.getName(), name)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            System.out.println(out.isEmpty() ? "| " + name + " | failed (exit " + p.exitValue() + ") |" : out);
        }
    }

    static String runOne(String name, int steps, long seconds) throws Exception {
        try (Allocator alloc = Allocator.create(name)) {
            long baseline = procStatus("VmRSS");
            long faultsBefore = minorFaults();
            long gcsBefore = collections();
            AtomicLong live = new AtomicLong();
            AtomicLong peakLive = new AtomicLong();
            AtomicLong done = new AtomicLong();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            List<Thread> threads = new ArrayList<>();
            long start = System.nanoTime();
            // Every thread waits here with its ring still full, so the allocator is described at its fullest.
            java.util.concurrent.CyclicBarrier full = new java.util.concurrent.CyclicBarrier(THREADS, () -> {
                if (Boolean.getBoolean("stats")) {
                    System.err.println(name + " (rings full): " + alloc.describe());
                }
            });
            for (int t = 0; t < THREADS; t++) {
                long seed = 42 + t;
                threads.add(Thread.ofPlatform().start(() -> {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    Object[] ring = new Object[RING];
                    int[] sizes = new int[RING];
                    for (int s = 0; s < steps + RING && System.nanoTime() < deadline; s++) {
                        int i = s < RING ? s : rnd.nextInt(RING);
                        if (ring[i] != null) {
                            alloc.release(ring[i]);
                            live.addAndGet(-sizes[i]);
                        }
                        int size = nextSize(rnd);
                        Object h = alloc.acquire(size);
                        for (long at = 0; at < size; at += TOUCH_STRIDE) {
                            alloc.write(h, at, (byte) 1);
                        }
                        alloc.write(h, size - 1, (byte) 1);
                        ring[i] = h;
                        sizes[i] = size;
                        peakLive.accumulateAndGet(live.addAndGet(size), Math::max);
                        if (s >= RING) {
                            done.incrementAndGet();
                        }
                    }
                    try {
                        full.await();
                    } catch (InterruptedException | java.util.concurrent.BrokenBarrierException e) {
                        throw new IllegalStateException(e);
                    }
                    for (int i = 0; i < RING; i++) {
                        if (ring[i] != null) {
                            alloc.release(ring[i]);
                        }
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            double secs = (System.nanoTime() - start) / 1e9;
            long peakRss = procStatus("VmHWM") - baseline;
            double faultsPerBuffer = (double) (minorFaults() - faultsBefore) / (done.get() + THREADS * RING);
            return String.format(Locale.ROOT, "| %s | %d MiB | %d MiB | %.2f | %.0f | %.0f | %d |", name, peakRss >> 20,
                    peakLive.get() >> 20, (double) peakRss / peakLive.get(), done.get() / secs, faultsPerBuffer,
                    collections() - gcsBefore);
        }
    }

    /** One buffer size of the configured distribution. */
    static int nextSize(SplittableRandom rnd) {
        long size = switch (SIZES) {
            case "log" -> Math.round(Math.exp(rnd.nextDouble() * Math.log(MAX_SIZE)));
            case "uniform" -> 1 + rnd.nextLong(MAX_SIZE);
            case "skewed" -> rnd.nextInt(10) == 0 ? MAX_SIZE / 2 + rnd.nextLong(MAX_SIZE - MAX_SIZE / 2 + 1)
                    : Math.round(Math.exp(rnd.nextDouble() * Math.log(Math.min(MAX_SIZE, 4096))));
            default -> throw new IllegalArgumentException("-Dsizes must be log, uniform or skewed: " + SIZES);
        };
        return (int) Math.min(MAX_SIZE, Math.max(1, size));
    }

    /** Collections so far, all collectors: the garbage each allocator leaves on the heap shows here. */
    static long collections() {
        long n = 0;
        for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }

    /** The process's minor page faults so far (field 10 of /proc/self/stat). */
    static long minorFaults() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[7]);
    }

    static long procStatus(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return 0;
    }
}
