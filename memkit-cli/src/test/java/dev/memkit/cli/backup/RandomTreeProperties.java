package dev.memkit.cli.backup;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Random trees (raw names, modes, times, sizes across block boundaries, links of every kind) restore exactly. */
class RandomTreeProperties {

    @Property(tries = 25)
    void aRandomTreeRoundTripsExactly(@ForAll("trees") List<Tuple.Tuple3<Integer, byte[], Long>> plan)
            throws Exception {
        Path tmp = Files.createTempDirectory("memkit-prop");
        try {
            Path src = build(tmp.resolve("src"), plan);
            Path out = tmp.resolve("out");
            Sender.Result r = Trees.backup(src, out, plan.size() % 2 == 0 ? Buffers.naive(true)
                    : Buffers.pooled(dev.memkit.buffer.SizeClasses.defaults(), 64L << 20), "zstd");
            assertTrue(r.ok(), r.skipped() + " " + r.failures());
            assertEquals(List.of(), TreeDiff.compare(src, out));
        } finally {
            try (var s = Files.walk(tmp)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Each step: (action 0..5, a raw name segment, a seed for sizes, modes and times). */
    @Provide
    Arbitrary<List<Tuple.Tuple3<Integer, byte[], Long>>> trees() {
        Arbitrary<byte[]> segment = Arbitraries.bytes().filter(b -> b != '/' && b != 0).array(byte[].class)
                .ofMinSize(1).ofMaxSize(12).filter(b -> !java.util.Arrays.equals(b, new byte[] {'.'})
                        && !java.util.Arrays.equals(b, new byte[] {'.', '.'})
                        && !(b.length >= 15 && b[0] == '.'));
        return net.jqwik.api.Combinators.combine(Arbitraries.integers().between(0, 5), segment, Arbitraries.longs())
                .as(Tuple::of).list().ofMaxSize(40);
    }

    private static Path build(Path root, List<Tuple.Tuple3<Integer, byte[], Long>> plan) throws IOException {
        Files.createDirectories(root);
        List<Path> dirs = new ArrayList<>(List.of(root));
        List<Path> files = new ArrayList<>();
        for (var step : plan) {
            SplittableRandom rnd = new SplittableRandom(step.get3());
            Path parent = dirs.get(rnd.nextInt(dirs.size()));
            Path p = Trees.raw(parent, step.get2());
            if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            long time = rnd.nextLong(0, 2_000_000_000L) * 1_000_000_000L + rnd.nextInt(1_000_000_000);
            switch (step.get1()) {
                case 0, 1 -> {
                    int size = rnd.nextInt(4) == 0 ? rnd.nextInt(3 << 20) : rnd.nextInt(5_000);
                    files.add(Trees.write(p, Trees.bytes(rnd, size), rnd.nextInt(01000) | 0400, time));
                }
                case 2 -> dirs.add(Files.createDirectory(p));
                case 3 -> Files.createSymbolicLink(p, RawNames.pathOf(step.get2()));
                case 4 -> Files.createSymbolicLink(p, Path.of("../" + rnd.nextInt(100)));
                default -> {
                    if (!files.isEmpty()) {
                        Files.createLink(p, files.get(rnd.nextInt(files.size())));
                    }
                }
            }
        }
        for (int i = dirs.size() - 1; i > 0; i--) {
            SplittableRandom rnd = new SplittableRandom(i);
            Files.setAttribute(dirs.get(i), "unix:mode", 0700 | rnd.nextInt(0100));
            Trees.time(dirs.get(i), rnd.nextLong(0, 2_000_000_000L) * 1_000_000_000L);
        }
        return root;
    }
}
