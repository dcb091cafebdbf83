package dev.memkit.offheap;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Builds {@link StructLayout}s for off-heap records with the fields ordered to waste no space, and says how much
 * that saves.
 *
 * <p>A struct laid out in declaration order needs padding wherever a field's alignment is larger than the bytes
 * before it ({@code byte, long, byte, long} is 32 bytes, half of it padding); ordering fields by alignment, largest
 * first, removes all inner padding for power-of-two-sized fields ({@code long, long, byte, byte} plus 6 bytes of
 * tail padding is 24). Every padding the packed layout still needs is an explicit {@code paddingLayout}, so the
 * layout is valid for {@code MemorySegment} access at its natural alignment, and arrays of it stay aligned.
 * Stateless and thread-safe.
 *
 * <pre>{@code
 * StructLayouts.Packed p = StructLayouts.packed(
 *         JAVA_BYTE.withName("flags"), JAVA_LONG.withName("id"), JAVA_INT.withName("qty"), JAVA_LONG.withName("price"));
 * p.layout();          // [id, price, qty, flags, 3 bytes padding]: 24 bytes
 * p.bytesSaved();      // 8 against declaration order (32 bytes)
 * }</pre>
 *
 * @since 0.1
 */
public final class StructLayouts {
    private StructLayouts() {}

    /**
     * A packed layout and what it saves.
     *
     * @param layout the struct, largest alignment first, with explicit padding
     * @param declarationOrderBytes the size of the same fields in declaration order, naturally aligned
     * @param packedBytes {@code layout.byteSize()}
     */
    public record Packed(StructLayout layout, long declarationOrderBytes, long packedBytes) {
        /**
         * Bytes saved per record by the packed order.
         *
         * @return {@code declarationOrderBytes - packedBytes}
         */
        public long bytesSaved() {
            return declarationOrderBytes - packedBytes;
        }
    }

    /**
     * Orders the fields largest alignment first (then largest size, then declaration order), adds explicit
     * padding where still needed and at the tail, and compares with declaration order.
     *
     * @param fields named member layouts (value layouts, arrays, nested structs)
     * @return the packed layout and the comparison
     * @throws IllegalArgumentException if there are no fields, a field has no name, or two share a name
     */
    public static Packed packed(MemoryLayout... fields) {
        List<MemoryLayout> declared = List.of(fields);
        if (declared.isEmpty()) {
            throw new IllegalArgumentException("a struct needs at least one field");
        }
        Set<String> names = new HashSet<>();
        for (MemoryLayout f : declared) {
            String name = f.name().orElseThrow(() -> new IllegalArgumentException("every field needs a name: " + f));
            if (!names.add(name)) {
                throw new IllegalArgumentException("two fields are named '" + name + "'");
            }
        }
        List<MemoryLayout> sorted = new ArrayList<>(declared);
        sorted.sort(Comparator.comparingLong(MemoryLayout::byteAlignment).reversed()
                .thenComparing(Comparator.comparingLong(MemoryLayout::byteSize).reversed()));
        StructLayout layout = MemoryLayout.structLayout(withPadding(sorted).toArray(MemoryLayout[]::new));
        return new Packed(layout, MemoryLayout.structLayout(withPadding(declared).toArray(MemoryLayout[]::new))
                .byteSize(), layout.byteSize());
    }

    /** The fields in the given order with the padding natural alignment needs, inside and at the tail. */
    private static List<MemoryLayout> withPadding(List<MemoryLayout> fields) {
        List<MemoryLayout> out = new ArrayList<>();
        long offset = 0;
        long maxAlign = 1;
        for (MemoryLayout f : fields) {
            Objects.requireNonNull(f, "field");
            long align = f.byteAlignment();
            maxAlign = Math.max(maxAlign, align);
            long gap = (align - offset % align) % align;
            if (gap > 0) {
                out.add(MemoryLayout.paddingLayout(gap));
                offset += gap;
            }
            out.add(f);
            offset += f.byteSize();
        }
        long tail = (maxAlign - offset % maxAlign) % maxAlign;
        if (tail > 0) {
            out.add(MemoryLayout.paddingLayout(tail));
        }
        return out;
    }
}
