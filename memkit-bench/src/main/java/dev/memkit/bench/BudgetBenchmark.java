package dev.memkit.bench;

import dev.memkit.budget.MemoryBudget;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Budget reserve + release on a child of a root (two levels charged), uncontended and with two threads on the
 * same budget. Run: {@code java -jar memkit-bench/target/benchmarks.jar Budget}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx512m")
public class BudgetBenchmark {
    private final MemoryBudget root = MemoryBudget.root("bench", 1L << 40);
    private final MemoryBudget child = root.child("component", 1L << 40);

    @Benchmark
    @Threads(1)
    public boolean reserveReleaseUncontended() {
        boolean ok = child.tryReserve(4096);
        child.release(4096);
        return ok;
    }

    @Benchmark
    @Threads(2)
    public boolean reserveReleaseTwoThreads() {
        boolean ok = child.tryReserve(4096);
        child.release(4096);
        return ok;
    }
}
