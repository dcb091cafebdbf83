package dev.memkit.bench;

import dev.memkit.arena.RegionArena;
import dev.memkit.buffer.BufferPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Arena issue benchmarks. {@code batch64}: 1,000 allocations of 64 bytes, then a reset; the figure is per
 * allocation, the reset included. {@code request}: two threads, each serving requests of 24 allocations of
 * log-uniform 16 B–64 KiB and then resetting; the figure is per request.
 * Run: {@code java --enable-native-access=ALL-UNNAMED -jar memkit-bench/target/benchmarks.jar Arena -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
public class ArenaBenchmark {
    private static final int BATCH = 1000;
    private static final int PER_REQUEST = 24;

    @Param({"memkit", "memkit-nozero", "arena-per-allocation", "arena-per-batch", "slicing", "byte-array"})
    public String allocator;

    private BufferPool pool;
    private RegionArena region;
    private MemorySegment slab;
    private final int[] requestSizes = new int[PER_REQUEST * 64];
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        pool = BufferPool.builder().name("bench").build();
        region = RegionArena.builder(pool).zeroing(!allocator.equals("memkit-nozero")).build();
        slab = Arena.global().allocate(1 << 20, 64);
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < requestSizes.length; i++) {
            requestSizes[i] = (int) Math.round(Math.exp(Math.log(16) + rnd.nextDouble() * Math.log(4096)));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        region.close();
        pool.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void batch64(Blackhole bh) {
        switch (allocator) {
            case "memkit", "memkit-nozero" -> {
                for (int i = 0; i < BATCH; i++) {
                    bh.consume(region.allocate(64, 8));
                }
                region.reset();
            }
            case "arena-per-allocation" -> {
                for (int i = 0; i < BATCH; i++) {
                    try (Arena a = Arena.ofConfined()) {
                        bh.consume(a.allocate(64, 8));
                    }
                }
            }
            case "arena-per-batch" -> {
                try (Arena a = Arena.ofConfined()) {
                    for (int i = 0; i < BATCH; i++) {
                        bh.consume(a.allocate(64, 8));
                    }
                }
            }
            case "slicing" -> {
                SegmentAllocator s = SegmentAllocator.slicingAllocator(slab);
                for (int i = 0; i < BATCH; i++) {
                    bh.consume(s.allocate(64, 8));
                }
            }
            default -> {
                for (int i = 0; i < BATCH; i++) {
                    bh.consume(new byte[64]);
                }
            }
        }
    }

    @Benchmark
    @Threads(2)
    public void request(Blackhole bh) {
        int base = (next = (next + PER_REQUEST) % requestSizes.length);
        switch (allocator) {
            case "memkit", "memkit-nozero" -> {
                for (int i = 0; i < PER_REQUEST; i++) {
                    bh.consume(region.allocate(requestSizes[(base + i) % requestSizes.length], 8));
                }
                region.reset();
            }
            case "arena-per-allocation", "arena-per-batch" -> {
                try (Arena a = Arena.ofConfined()) {
                    for (int i = 0; i < PER_REQUEST; i++) {
                        bh.consume(a.allocate(requestSizes[(base + i) % requestSizes.length], 8));
                    }
                }
            }
            case "slicing" -> {
                SegmentAllocator s = SegmentAllocator.slicingAllocator(slab);
                for (int i = 0; i < PER_REQUEST; i++) {
                    bh.consume(s.allocate(requestSizes[(base + i) % requestSizes.length], 8));
                }
            }
            default -> {
                for (int i = 0; i < PER_REQUEST; i++) {
                    bh.consume(new byte[requestSizes[(base + i) % requestSizes.length]]);
                }
            }
        }
    }
}
