package dev.memkit.arena;

import dev.memkit.buffer.BufferPool;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random allocate/reset sequences: no two live allocations overlap, every byte written is read back unchanged,
 * and everything from a previous round is unusable.
 */
class RegionArenaModelTest {
    record Op(long size, int alignLog, boolean reset) {}

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Long> sizes = Arbitraries.oneOf(Arbitraries.longs().between(0, 128),
                Arbitraries.longs().between(129, 5000), Arbitraries.longs().between(5001, 40_000));
        return Combinators.combine(sizes, Arbitraries.integers().between(0, 12), Arbitraries.integers().between(0, 30))
                .as((s, a, r) -> new Op(s, a, r == 0)).list().ofMaxSize(200);
    }

    @Property(tries = 80)
    void liveAllocationsNeverOverlapAndKeepTheirBytes(@ForAll("ops") List<Op> ops, @ForAll boolean shared) {
        try (BufferPool pool = BufferPool.builder().build()) {
            RegionArena arena = RegionArena.builder(pool).shared(shared).chunkBytes(16 << 10).zeroing(false).build();
            List<MemorySegment> live = new ArrayList<>();
            List<Byte> stamps = new ArrayList<>();
            List<MemorySegment> dead = new ArrayList<>();
            byte stamp = 1;
            for (Op op : ops) {
                if (op.reset()) {
                    dead.addAll(live);
                    live.clear();
                    stamps.clear();
                    arena.reset();
                    continue;
                }
                MemorySegment s = arena.allocate(op.size(), 1L << op.alignLog());
                assertEquals(0, s.address() % (1L << op.alignLog()));
                for (MemorySegment other : live) {
                    boolean disjoint = s.byteSize() == 0 || other.byteSize() == 0
                            || s.address() + s.byteSize() <= other.address()
                            || other.address() + other.byteSize() <= s.address();
                    assertTrue(disjoint, "overlap: " + s + " / " + other);
                }
                s.fill(stamp);
                live.add(s);
                stamps.add(stamp++);
            }
            for (int k = 0; k < live.size(); k++) {
                MemorySegment s = live.get(k);
                for (long i = 0; i < s.byteSize(); i += Math.max(1, s.byteSize() / 16)) {
                    assertEquals((byte) stamps.get(k), s.get(ValueLayout.JAVA_BYTE, i), "bytes kept");
                }
            }
            for (MemorySegment s : dead) {
                if (s.byteSize() > 0) {
                    assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0));
                }
            }
            arena.close();
            assertEquals(0, pool.stats().leasedCount());
        }
    }
}
