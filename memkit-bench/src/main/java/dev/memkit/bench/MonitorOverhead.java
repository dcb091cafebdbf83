package dev.memkit.bench;

import dev.memkit.manager.MemoryManager;
import dev.memkit.stats.MemoryMonitor;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Locale;

/**
 * Stats issue: what a {@link MemoryMonitor} costs while it runs. For each interval, runs the monitor for a fixed
 * time in an otherwise idle JVM and reports the monitor thread's CPU time and heap allocation per second of wall
 * time, and the whole process's CPU against an idle baseline measured first in the same JVM.
 * Run: {@code java -cp memkit-bench/target/benchmarks.jar dev.memkit.bench.MonitorOverhead [seconds]}
 */
public final class MonitorOverhead {
    private MonitorOverhead() {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long p0 = os.getProcessCpuTime();
        Thread.sleep(seconds * 1000L);
        double baseline = (os.getProcessCpuTime() - p0) / (seconds * 1e9) * 100;
        System.out.printf(Locale.ROOT, "idle JVM baseline: process CPU %.3f%% of one core%n", baseline);
        try (MemoryManager manager = MemoryManager.builder().limitBytes(1L << 30).watchGc(false).build()) {
            for (Duration interval : new Duration[] {Duration.ofSeconds(1), Duration.ofMillis(100)}) {
                long start = os.getProcessCpuTime();
                try (MemoryMonitor m = MemoryMonitor.builder().manager(manager).interval(interval).start()) {
                    Thread.sleep(seconds * 1000L);
                    long tid = m.thread().threadId();
                    double cpu = threads.getThreadCpuTime(tid) / (seconds * 1e9) * 100;
                    double alloc = threads.getThreadAllocatedBytes(tid) / (double) seconds;
                    double process = (os.getProcessCpuTime() - start) / (seconds * 1e9) * 100;
                    System.out.printf(Locale.ROOT, "interval %5d ms: monitor thread CPU %.3f%% of one core, "
                                    + "allocation %.1f KiB/s; process CPU %.3f%% (baseline %.3f%%), %d samples%n",
                            interval.toMillis(), cpu, alloc / 1024, process, baseline, m.history().size());
                }
            }
        }
    }
}
