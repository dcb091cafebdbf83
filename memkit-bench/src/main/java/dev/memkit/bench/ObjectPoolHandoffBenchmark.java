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
 * Object-pool issue benchmark 2b: one thread takes objects and hands them through an SPSC ring to a second
 * thread, which gives them back (release across threads). When the ring is full the taker gives the object back
 * itself. The taker's throughput is the figure. Pools of capacity 1024, so the bounded pools never run dry.
 * Run: {@code java -jar memkit-bench/target/benchmarks.jar ObjectPoolHandoff}
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xmx1g", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
public class ObjectPoolHandoffBenchmark {
    @Param({"new", "memkit-local", "memkit-bounded", "stormpot", "commons-pool2"})
    public String pool;

    private ObjectPools pools;
    private SpscRing ring;

    @Setup(Level.Trial)
    public void setUp() {
        pools = ObjectPools.create(pool, 1024);
        ring = new SpscRing(256);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        for (Object h; (h = ring.poll()) != null; ) {
            pools.give(h);
        }
        pools.close();
    }

    @Benchmark
    @Group("handoff")
    @GroupThreads(1)
    public long taker() throws Exception {
        Object h = pools.take();
        long v = pools.use(h);
        if (!ring.offer(h)) {
            pools.give(h);
        }
        return v;
    }

    @Benchmark
    @Group("handoff")
    @GroupThreads(1)
    public void giver() throws Exception {
        Object h = ring.poll();
        if (h != null) {
            pools.give(h);
        }
    }
}
