package dev.memkit.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Object-pool issue benchmarks 1 and 2a: take and give back a small object, on one thread ({@code single}) and on
 * two threads sharing one pool of capacity 4 ({@code contended}), for memkit's LocalPool and BoundedPool (with and
 * without leak watching), Stormpot 4.0, Commons Pool2 2.12.1 and plain {@code new}. Time per operation is per
 * thread. Run with the GC profiler to see heap bytes per operation:
 * {@code java -jar memkit-bench/target/benchmarks.jar ObjectPoolBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xmx1g", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
public class ObjectPoolBenchmark {
    @Param({"new", "memkit-local", "memkit-bounded", "memkit-bounded-noleak", "stormpot", "commons-pool2"})
    public String pool;

    @Param({"4"})
    public int capacity;

    private ObjectPools pools;

    @Setup(Level.Trial)
    public void setUp() {
        pools = ObjectPools.create(pool, capacity);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        pools.close();
    }

    private long cycle() throws Exception {
        Object h = pools.take();
        long v = pools.use(h);
        pools.give(h);
        return v;
    }

    @Benchmark
    @Threads(1)
    public long single() throws Exception {
        return cycle();
    }

    @Benchmark
    @Threads(2)
    public long contended() throws Exception {
        return cycle();
    }
}
