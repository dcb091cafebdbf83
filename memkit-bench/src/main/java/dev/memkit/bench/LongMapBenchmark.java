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
 * Off-heap issue: get and put of random keys in a map holding {@code entries} entries, memkit's LongLongMap
 * (concurrent and single-threaded) against {@code HashMap<Long, Long>}, fastutil's {@code Long2LongOpenHashMap},
 * OHC and Chronicle Map, one thread. Chronicle Map needs its own list of {@code --add-opens}/{@code --add-exports}
 * on Java 25 (below, for the benchmark JVMs only; memkit needs none).
 * Run: {@code java -jar memkit-bench/target/benchmarks.jar LongMapBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow", "-Dchronicle.analytics.disable=true",
        "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
        "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
        "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
        "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
        "--add-opens=java.base/java.io=ALL-UNNAMED",
        "--add-opens=java.base/java.util=ALL-UNNAMED",
        "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED"})
public class LongMapBenchmark {
    @Param({"memkit", "memkit-single", "hashmap", "fastutil", "ohc", "chronicle"})
    public String map;

    @Param({"1000000"})
    public int entries;

    private LongMaps store;
    private long[] keys;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        store = LongMaps.create(map, entries);
        keys = new long[entries];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(42);
        for (int i = 0; i < entries; i++) {
            keys[i] = rnd.nextLong();
            store.put(keys[i], i);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        store.close();
    }

    private long nextKey() {
        int i = next;
        next = i + 7919 >= entries ? (i + 7919) - entries : i + 7919;
        return keys[i];
    }

    @Benchmark
    public long get() {
        return store.get(nextKey());
    }

    @Benchmark
    public void put() {
        long k = nextKey();
        store.put(k, k);
    }
}
