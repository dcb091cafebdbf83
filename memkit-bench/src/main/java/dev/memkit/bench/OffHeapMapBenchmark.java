package dev.memkit.bench;

import dev.memkit.offheap.BytesMap;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import net.openhft.chronicle.map.ChronicleMap;
import org.caffinitas.ohc.CacheSerializer;
import org.caffinitas.ohc.OHCache;
import org.caffinitas.ohc.OHCacheBuilder;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Off-heap issue: the maps against their anchors, one thread. {@code longGet}/{@code longPut}: get or put of a
 * random existing key in a {@code long → long} map of {@code entries}, memkit's LongLongMap (concurrent and
 * single-threaded) against {@code HashMap<Long, Long>}, fastutil's {@code Long2LongOpenHashMap}, OHC and Chronicle
 * Map. {@code bytesGet}/{@code bytesPut}: 16-byte keys and 100-byte values, memkit's BytesMap (reading into a
 * caller segment) against OHC and Chronicle Map ({@code byte[]} in and out, their usual API). Chronicle Map needs
 * {@code bytesGetBatch}: gets in batches of 16 (memkit's {@code getAll}; the others have no batched get and run 16
 * gets in a row), scored per get. Chronicle Map needs
 * its list of {@code --add-opens}/{@code --add-exports} on Java 25 and phones home unless told not to (below, for
 * the benchmark JVMs only; memkit needs none of it).
 * Run: {@code java -jar memkit-bench/target/benchmarks.jar OffHeapMapBenchmark -prof gc}
 */
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
public class OffHeapMapBenchmark {
    /** Gets per {@code bytesGetBatch} call. */
    static final int BATCH = 16;
    /** A {@code long → long} map filled with {@code entries} random keys. */
    @State(Scope.Benchmark)
    public static class LongState {
        @Param({"memkit", "memkit-single", "hashmap", "fastutil", "ohc", "chronicle"})
        public String map;

        @Param({"1000000"})
        public int entries;

        LongMaps store;
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

        long nextKey() {
            int i = next;
            next = i + 7919 >= entries ? (i + 7919) - entries : i + 7919;
            return keys[i];
        }

    }

    /** A byte map filled with {@code entries} random 16-byte keys and 100-byte values. */
    @State(Scope.Benchmark)
    public static class BytesState {
        @Param({"memkit", "ohc", "chronicle"})
        public String bytesMap;

        @Param({"1000000"})
        public int entries;

        private byte[][] keys;
        private byte[] value;
        private int next;
        private BytesMap memkit;
        private OHCache<byte[], byte[]> ohc;
        private ChronicleMap<byte[], byte[]> chronicle;
        private Arena arena;
        private MemorySegment keySegment;
        private MemorySegment out;
        private MemorySegment[] keySegments;             // keys as heap segments, for memkit's getAll
        private final MemorySegment[] batchKeys = new MemorySegment[BATCH];
        private final MemorySegment[] batchOuts = new MemorySegment[BATCH];
        private final long[] batchLengths = new long[BATCH];

        private static final CacheSerializer<byte[]> BYTES = new CacheSerializer<>() {
            @Override
            public void serialize(byte[] v, ByteBuffer buf) {
                buf.put(v);
            }

            @Override
            public byte[] deserialize(ByteBuffer buf) {
                byte[] b = new byte[buf.remaining()];
                buf.get(b);
                return b;
            }

            @Override
            public int serializedSize(byte[] v) {
                return v.length;
            }
        };

        @Setup(Level.Trial)
        public void setUp() {
            keys = new byte[entries][];
            value = new byte[100];
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(42);
            for (int i = 0; i < entries; i++) {
                keys[i] = ByteBuffer.allocate(16).putLong(rnd.nextLong()).putLong(rnd.nextLong()).array();
            }
            arena = Arena.ofConfined();
            keySegment = arena.allocate(16);
            out = arena.allocate(128);
            keySegments = new MemorySegment[entries];
            for (int i = 0; i < entries; i++) {
                keySegments[i] = MemorySegment.ofArray(keys[i]);
            }
            for (int i = 0; i < BATCH; i++) {
                batchOuts[i] = arena.allocate(128);
            }
            switch (bytesMap) {
                case "memkit" -> memkit = BytesMap.builder().expectedSize(entries).build();
                case "ohc" -> ohc = OHCacheBuilder.<byte[], byte[]>newBuilder().keySerializer(BYTES).valueSerializer(BYTES)
                        .capacity(1L << 30).build();
                case "chronicle" -> chronicle = ChronicleMap.of(byte[].class, byte[].class).name("bench")
                        .averageKeySize(16).averageValueSize(100).entries(entries + entries / 4L).create();
                default -> throw new IllegalArgumentException(bytesMap);
            }
            for (byte[] k : keys) {
                put(k);
            }
        }

        private void put(byte[] k) {
            switch (bytesMap) {
                case "memkit" -> memkit.put(k, value);
                case "ohc" -> ohc.put(k, value);
                default -> chronicle.put(k, value);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            if (memkit != null) {
                memkit.close();
            }
            if (ohc != null) {
                ohc.close();
            }
            if (chronicle != null) {
                chronicle.close();
            }
            arena.close();
        }

        private byte[] nextKey() {
            int i = next;
            next = i + 7919 >= entries ? (i + 7919) - entries : i + 7919;
            return keys[i];
        }

        long get() {
            byte[] k = nextKey();
            return switch (bytesMap) {
                case "memkit" -> {
                    MemorySegment.copy(k, 0, keySegment, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, 16);
                    yield memkit.get(keySegment, out);
                }
                case "ohc" -> ohc.get(k).length;
                default -> chronicle.get(k).length;
            };
        }

        void put() {
            put(nextKey());
        }

        /** {@value #BATCH} gets: one {@code getAll} for memkit, one get after another for the others. */
        long getBatch() {
            if (!"memkit".equals(bytesMap)) {
                long sum = 0;
                for (int i = 0; i < BATCH; i++) {
                    sum += get();
                }
                return sum;
            }
            for (int i = 0; i < BATCH; i++) {
                int k = next;
                next = k + 7919 >= entries ? (k + 7919) - entries : k + 7919;
                batchKeys[i] = keySegments[k];
            }
            memkit.getAll(batchKeys, batchOuts, batchLengths, 0, BATCH);
            long sum = 0;
            for (long n : batchLengths) {
                sum += n;
            }
            return sum;
        }
    }

    @Benchmark
    public long longGet(LongState s) {
        return s.store.get(s.nextKey());
    }

    @Benchmark
    public void longPut(LongState s) {
        long k = s.nextKey();
        s.store.put(k, k);
    }

    @Benchmark
    public long bytesGet(BytesState s) {
        return s.get();
    }

    /** Gets in batches of {@value #BATCH}; the score is per get. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long bytesGetBatch(BytesState s) {
        return s.getBatch();
    }

    @Benchmark
    public void bytesPut(BytesState s) {
        s.put();
    }
}
