package dev.memkit.offheap;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StructLayoutsTest {
    @Test
    void largestFirstRemovesInnerPadding() {
        StructLayouts.Packed p = StructLayouts.packed(JAVA_BYTE.withName("flags"), JAVA_LONG.withName("id"),
                JAVA_INT.withName("qty"), JAVA_LONG.withName("price"));
        assertEquals(32, p.declarationOrderBytes());
        assertEquals(24, p.packedBytes());
        assertEquals(8, p.bytesSaved());
        assertEquals(List.of("id", "price", "qty", "flags"), p.layout().memberLayouts().stream()
                .flatMap(m -> m.name().stream()).toList());
        assertEquals(0, p.layout().byteOffset(MemoryLayout.PathElement.groupElement("id")));
        assertEquals(16, p.layout().byteOffset(MemoryLayout.PathElement.groupElement("qty")));
    }

    @Test
    void badFieldsAreRefused() {
        assertThrows(IllegalArgumentException.class, StructLayouts::packed);
        assertThrows(IllegalArgumentException.class, () -> StructLayouts.packed(JAVA_INT));
        assertThrows(IllegalArgumentException.class,
                () -> StructLayouts.packed(JAVA_INT.withName("a"), JAVA_LONG.withName("a")));
    }

    @Provide
    Arbitrary<List<ValueLayout>> fields() {
        return Arbitraries.of(JAVA_BYTE, JAVA_SHORT, JAVA_INT, JAVA_LONG, ValueLayout.JAVA_DOUBLE,
                ValueLayout.JAVA_CHAR).list().ofMinSize(1).ofMaxSize(12);
    }

    /** Packed is never larger, every field is aligned, and an array of records can be accessed. */
    @Property(tries = 200)
    void packedIsNeverLargerAndStaysAligned(@ForAll("fields") List<ValueLayout> types) {
        List<MemoryLayout> named = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            named.add(types.get(i).withName("f" + i));
        }
        StructLayouts.Packed p = StructLayouts.packed(named.toArray(MemoryLayout[]::new));
        assertTrue(p.packedBytes() <= p.declarationOrderBytes());
        long payload = types.stream().mapToLong(MemoryLayout::byteSize).sum();
        assertTrue(p.packedBytes() - payload < 8, "less than one word of padding: " + p.layout());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment records = arena.allocate(MemoryLayout.sequenceLayout(3, p.layout()));
            for (int i = 0; i < types.size(); i++) {
                long off = p.layout().byteOffset(MemoryLayout.PathElement.groupElement("f" + i));
                assertEquals(0, off % types.get(i).byteAlignment());
                records.asSlice(2 * p.packedBytes() + off, types.get(i).byteSize()).fill((byte) 7);
            }
        }
    }
}
