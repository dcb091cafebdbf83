package dev.memkit.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
 * Issue benchmark 2: a reader thread acquires and hands each buffer to a compressor thread, which releases it.
 * The producer's throughput is the figure; when the queue is full the producer releases the buffer itself
 * (counted as an operation too, so a slow consumer cannot hide). The queue is a lock-free SPSC ring, and three
 * forks average over which thread-cache stripes the two threads happen to hash to.
 * Run: {@code java -jar memkit-bench/target/benchmarks.jar Handoff}
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"-Xmx1g", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
public class HandoffBenchmark {
    @Param({"16384"})
    public int size;

    @Param({"memkit", "netty-pooled", "netty-adaptive", "malloc", "arena-shared"})
    public String allocator;

    private Allocator alloc;
    private SpscRing queue;

    @Setup(Level.Trial)
    public void setUp() {
        alloc = Allocator.create(allocator);
        queue = new SpscRing(256);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Object h; (h = queue.poll()) != null; ) {
            alloc.release(h);
        }
        alloc.close();
    }

    @Benchmark
    @Group("handoff")
    @GroupThreads(1)
    public void reader() {
        Object h = alloc.acquire(size);
        alloc.write(h, 0, (byte) 1);
        if (!queue.offer(h)) {
            alloc.release(h);
        }
    }

    @Benchmark
    @Group("handoff")
    @GroupThreads(1)
    public void compressor() {
        Object h = queue.poll();
        if (h != null) {
            alloc.write(h, size - 1, (byte) 2);
            alloc.release(h);
        }
    }
}
