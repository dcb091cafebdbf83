package dev.memkit.bench;

import dev.memkit.manager.MemoryManager;
import dev.memkit.stats.MemoryStats;
import dev.memkit.stats.MemoryStatsCollector;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Stats issue: the cost of one {@link MemoryStats} snapshot, JVM figures only and with a manager (budgets, pools).
 * Run: {@code java -jar memkit-bench/target/benchmarks.jar Snapshot -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
public class SnapshotBenchmark {
    private MemoryManager manager;
    private MemoryStatsCollector jvmOnly;
    private MemoryStatsCollector withManager;

    @Setup(Level.Trial)
    public void setUp() {
        manager = MemoryManager.builder().limitBytes(1L << 30).watchGc(false).build();
        manager.newBufferPool("ingest", 256L << 20, p -> p);
        jvmOnly = MemoryStatsCollector.create();
        withManager = MemoryStatsCollector.builder().manager(manager).build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        jvmOnly.close();
        withManager.close();
        manager.close();
    }

    @Benchmark
    public MemoryStats jvm() {
        return jvmOnly.snapshot();
    }

    @Benchmark
    public MemoryStats jvmAndMemkit() {
        return withManager.snapshot();
    }
}
