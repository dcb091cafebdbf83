package dev.memkit.cli.demo;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.memkit.offheap.LongLongMap;

import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * One run of {@code memkit demo bigheap}, in its own JVM: load N entries into one store, then run allocation churn
 * on every core plus one reader for a fixed time, measuring the collector. Writes {@code key=value} lines and
 * memory samples for the parent to read.
 *
 * <p>Arguments: {@code store (hashmap|fastutil|memkit|none) entries seconds reportFile}. "none" loads nothing and
 * reads nothing: the churn-only baseline the pauses of the others are compared with.
 */
public final class BigHeapChild {
    private BigHeapChild() {}

    /**
     * A store under test: how to put, how to get (one key, and a batch if the store has a batched get, else
     * null), and how much native memory it holds.
     */
    record Store(KeyValue put, java.util.function.LongUnaryOperator get, BatchGet batchGet,
                 java.util.function.LongSupplier offHeap) {
        void put(long k, long v) {
            put.accept(k, v);
        }

        long get(long k) {
            return get.applyAsLong(k);
        }

        long offHeapBytes() {
            return offHeap.getAsLong();
        }
    }

    /** A put of a primitive key and value. */
    interface KeyValue {
        void accept(long k, long v);
    }

    /** A batched get: the value of every key into {@code values} (0 when absent). */
    interface BatchGet {
        void get(long[] keys, long[] values);
    }

    /** GC pauses and concurrent cycles of the current phase, from the collectors' notifications. */
    static final class GcWatch implements NotificationListener {
        long pauses;
        long pauseNanosTotal;
        long pauseNanosMax;
        long concurrentNanos;

        @Override
        public synchronized void handleNotification(Notification n, Object handback) {
            if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                return;
            }
            var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
            long nanos = info.getGcInfo().getDuration() * 1_000_000L;
            String name = info.getGcName();
            if (name.contains("Cycles") || name.contains("Concurrent")) {
                concurrentNanos += nanos;   // concurrent marking and relocation: work, not a pause
            } else {
                pauses++;
                pauseNanosTotal += nanos;
                pauseNanosMax = Math.max(pauseNanosMax, nanos);
            }
        }

        synchronized void reset() {
            pauses = 0;
            pauseNanosTotal = 0;
            pauseNanosMax = 0;
            concurrentNanos = 0;
        }
    }

    static long key(long i) {
        return (i + 1) * 0x9E3779B97F4A7C15L;
    }

    public static void main(String[] args) throws Exception {
        String kind = args[0];
        long entries = Long.parseLong(args[1]);   // reassigned to 0 for the baseline
        int seconds = Integer.parseInt(args[2]);
        Path report = Path.of(args[3]);
        Store store = switch (kind) {
            case "memkit" -> memkitStore();
            case "fastutil" -> fastutilStore();
            case "none" -> null;
            default -> hashMapStore();
        };
        boolean baseline = store == null;
        if (baseline) {
            entries = 0;
        }
        Store s0 = store;
        GcWatch gc = new GcWatch();
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (b instanceof NotificationEmitter e) {
                e.addNotificationListener(gc, null, null);
            }
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<String> out = new ArrayList<>();
        try (MemorySampler sampler = new MemorySampler(() -> s0 == null ? 0 : s0.offHeapBytes())) {
            long rss0 = MemorySampler.procStatus("VmRSS");
            long slowestPut = 0;
            long t0 = System.nanoTime();
            for (long i = 0; i < entries; i++) {
                long s = System.nanoTime();
                s0.put(key(i), i);
                slowestPut = Math.max(slowestPut, System.nanoTime() - s);
                if (i % 1_000_000 == 0) {
                    System.out.println("@progress " + i + " " + entries);
                }
            }
            long loadNanos = System.nanoTime() - t0;
            long rss1 = MemorySampler.procStatus("VmRSS");
            out.add("loadMs=" + loadNanos / 1_000_000);
            out.add("slowestPutMicros=" + slowestPut / 1000);
            out.add("bytesPerEntry=" + (entries == 0 ? 0 : (double) (rss1 - rss0) / entries));
            out.add("churnStartMs=" + sampler.elapsedMillis());  // the report lines the JVMs' phases up here
            System.out.println("@phase churn");
            // Churn: every core allocates, keeping a ring of medium-lived objects so some survive young
            // collections and the old generation has to be marked (and with it, the store if it lives there).
            gc.reset();
            long[] gcCount0 = collectorCounts();
            long cpu0 = os.getProcessCpuTime();
            long javaCpu0 = javaThreadsCpu(threads);
            AtomicBoolean stop = new AtomicBoolean();
            long total = entries;
            LongAdder reads = new LongAdder();
            LongAdder batchedReads = new LongAdder();
            List<Thread> workers = new ArrayList<>();
            int cores = Runtime.getRuntime().availableProcessors();
            for (int c = 0; c < cores; c++) {
                int seed = c;
                workers.add(Thread.ofPlatform().name("churn-" + c).start(() -> churn(stop, seed)));
            }
            // One reader. A store with a batched get reads one key at a time for the first half of the window and
            // in batches for the second, so both rates come from the same run under the same churn.
            long churnStart = System.nanoTime();
            long halfway = churnStart + seconds * 500_000_000L;
            long[] batchStartNanos = {0};
            workers.add(Thread.ofPlatform().name("reader").start(() -> {
                SplittableRandom rnd = new SplittableRandom(7);
                long[] keys = new long[1024];
                long[] values = new long[1024];
                long sink = 0;
                while (!stop.get() && s0 != null) {
                    if (s0.batchGet() != null && System.nanoTime() >= halfway) {
                        if (batchStartNanos[0] == 0) {
                            batchStartNanos[0] = System.nanoTime();
                        }
                        for (int i = 0; i < keys.length; i++) {
                            keys[i] = key(rnd.nextLong(Math.max(1, total)));
                        }
                        s0.batchGet().get(keys, values);
                        sink += values[0];
                        batchedReads.add(keys.length);
                        continue;
                    }
                    for (int i = 0; i < 1024; i++) {
                        sink += s0.get(key(rnd.nextLong(Math.max(1, total))));
                    }
                    reads.add(1024);
                }
                if (sink == 42) {
                    System.out.print("");
                }
            }));
            Thread.sleep(seconds * 1000L);
            long javaCpu1 = javaThreadsCpu(threads);
            long cpu1 = os.getProcessCpuTime();
            stop.set(true);
            for (Thread t : workers) {
                t.join();
            }
            double churnSeconds = (System.nanoTime() - churnStart) / 1e9;
            long[] gcCount1 = collectorCounts();
            synchronized (gc) {
                out.add("churnGcCount=" + (gcCount1[0] - gcCount0[0]));
                out.add("churnGcTimeMs=" + (gcCount1[1] - gcCount0[1]));
                out.add("churnPauses=" + gc.pauses);
                out.add("churnPauseTotalMs=" + gc.pauseNanosTotal / 1_000_000);
                out.add("churnPauseMaxMs=" + gc.pauseNanosMax / 1_000_000.0);
                out.add("churnConcurrentGcMs=" + gc.concurrentNanos / 1_000_000);
            }
            out.add("churnVmCpuMs=" + Math.max(0, (cpu1 - cpu0) - (javaCpu1 - javaCpu0)) / 1_000_000);
            long churnEnd = churnStart + (long) (churnSeconds * 1e9);
            if (batchStartNanos[0] == 0) {
                out.add("readsPerSecond=" + (long) (reads.sum() / churnSeconds));
            } else {
                out.add("readsPerSecond=" + (long) (reads.sum() / ((batchStartNanos[0] - churnStart) / 1e9)));
                double batchedSeconds = (churnEnd - batchStartNanos[0]) / 1e9;
                out.add("batchedReadsPerSecond=" + (long) (batchedReads.sum() / batchedSeconds));
            }
            out.add("entries=" + entries);
            out.add("ok=true");
            sampler.write(report, out);
        }
        if (kind.equals("memkit")) {
            // After the report's memory figures are written: the batched load of a second map is timed only.
            java.nio.file.Files.writeString(report, "bulkLoadMs=" + bulkLoadMillis(entries) + "\n",
                    java.nio.file.StandardOpenOption.APPEND);
        }
    }

    /**
     * Loads the same entries into a fresh LongLongMap from empty with {@link LongLongMap#putAll} in batches of four
     * million (the way a service would load an index from a file or a snapshot; 64 MiB of heap arrays), and returns
     * the time. Bigger batches grow each segment in fewer, longer sequential passes.
     */
    private static long bulkLoadMillis(long entries) {
        int batch = (int) Math.min(4_000_000, Math.max(1, entries));
        long[] keys = new long[batch];
        long[] values = new long[batch];
        long t0 = System.nanoTime();
        try (LongLongMap map = LongLongMap.builder().expectedSize(0).build()) {
            for (long base = 0; base < entries; base += batch) {
                int n = (int) Math.min(batch, entries - base);
                for (int i = 0; i < n; i++) {
                    keys[i] = key(base + i);
                    values[i] = base + i;
                }
                map.putAll(keys, values, 0, n);
            }
            if (map.size() != entries) {
                throw new IllegalStateException("batched load lost entries: " + map.size() + " of " + entries);
            }
            return (System.nanoTime() - t0) / 1_000_000;
        }
    }

    private static long[] collectorCounts() {
        long count = 0;
        long millis = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, b.getCollectionCount());
            millis += Math.max(0, b.getCollectionTime());
        }
        return new long[] {count, millis};
    }

    /** CPU time of every live Java thread: subtracted from the process's, it leaves the GC's and the VM's. */
    private static long javaThreadsCpu(com.sun.management.ThreadMXBean threads) {
        long sum = 0;
        for (long cpu : threads.getThreadCpuTime(threads.getAllThreadIds())) {
            sum += Math.max(0, cpu);
        }
        return sum;
    }

    private static void churn(AtomicBoolean stop, int seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Object[] ring = new Object[100_000];
        int i = 0;
        while (!stop.get()) {
            ring[i] = rnd.nextInt(8) == 0 ? new long[16 + rnd.nextInt(64)] : new Object[] {new Object(), ring};
            i = i + 1 == ring.length ? 0 : i + 1;
        }
    }

    private static Store hashMapStore() {
        Map<Long, Long> map = new HashMap<>();
        return new Store(map::put, k -> {
            Long v = map.get(k);
            return v == null ? 0 : v;
        }, null, () -> 0);
    }

    private static Store fastutilStore() {
        it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap map = new it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap();
        return new Store(map::put, map::get, null, () -> 0);
    }

    private static Store memkitStore() {
        LongLongMap map = LongLongMap.builder().expectedSize(0).build();   // grows from empty, like the others
        return new Store(map::put, k -> map.getOrDefault(k, 0), (keys, values) -> map.getAll(keys, values, 0,
                keys.length, 0), map::nativeBytes);
    }
}
