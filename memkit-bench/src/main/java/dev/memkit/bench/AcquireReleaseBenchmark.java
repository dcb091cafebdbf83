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
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Issue benchmark 1: acquire, touch (first and last byte), release, on one thread.
 * Run: {@code java -jar memkit-bench/target/benchmarks.jar AcquireRelease -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
public class AcquireReleaseBenchmark {
    @Param({"1024", "65536", "1048576"})
    public int size;

    @Param({"memkit", "netty-pooled", "netty-adaptive", "malloc", "arena-confined", "allocate-direct"})
    public String allocator;

    private Allocator alloc;

    @Setup(Level.Trial)
    public void setUp() {
        alloc = Allocator.create(allocator);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        alloc.close();
    }

    @Benchmark
    public Object acquireTouchRelease() {
        Object h = alloc.acquire(size);
        alloc.write(h, 0, (byte) 1);
        alloc.write(h, size - 1, (byte) 2);
        alloc.release(h);
        return h;
    }
}
