package dev.memkit.offheap;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Random set, fill, sync and close-and-reopen sequences on a file-backed {@link LongArray} against a plain
 * {@code long[]}: every element always reads back as the model says, across reopens.
 */
class BigArraysModelTest {
    enum Kind { SET, FILL, SYNC, REOPEN }

    record Op(Kind kind, int index, long value) {}

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Kind> kinds = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(80, Arbitraries.just(Kind.SET)),
                net.jqwik.api.Tuple.of(3, Arbitraries.just(Kind.FILL)),
                net.jqwik.api.Tuple.of(8, Arbitraries.just(Kind.SYNC)),
                net.jqwik.api.Tuple.of(5, Arbitraries.just(Kind.REOPEN)));
        return Combinators.combine(kinds, Arbitraries.integers().between(0, 300_000 - 1), Arbitraries.longs())
                .as(Op::new).list().ofMinSize(1).ofMaxSize(200);
    }

    @Property(tries = 40)
    void agreesWithAPlainArrayAcrossReopens(@ForAll("ops") List<Op> ops) throws Exception {
        Path dir = Files.createTempDirectory("memkit-arrays");
        Path f = dir.resolve("model.mkarray");
        long[] model = new long[300_000];   // spans several 1 MiB checksum chunks
        LongArray a = LongArray.create(f, model.length);
        try {
            for (Op op : ops) {
                switch (op.kind()) {
                    case SET -> {
                        a.set(op.index(), op.value());
                        model[op.index()] = op.value();
                    }
                    case FILL -> {
                        a.fill(op.value());
                        java.util.Arrays.fill(model, op.value());
                    }
                    case SYNC -> a.sync();
                    case REOPEN -> {
                        a.close();
                        a = LongArray.openVerified(f);
                    }
                }
                assertEquals(model[op.index()], a.get(op.index()));
            }
            for (int i = 0; i < model.length; i += 997) {
                assertEquals(model[i], a.get(i));
            }
        } finally {
            a.close();
            Files.deleteIfExists(f);
            Files.deleteIfExists(dir);
        }
    }
}
