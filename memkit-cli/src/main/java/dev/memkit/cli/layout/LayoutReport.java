package dev.memkit.cli.layout;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.memkit.ByteSize;
import dev.memkit.offheap.StructLayouts;
import org.openjdk.jol.datamodel.DataModel;
import org.openjdk.jol.datamodel.Model64;
import org.openjdk.jol.datamodel.Model64_Lilliput;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.info.FieldLayout;
import org.openjdk.jol.layouters.HotSpotLayouter;
import org.openjdk.jol.layouters.Layouter;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a class costs on the heap, and what the same data would cost pointer-free off the heap.
 *
 * <p>Layouts come from JOL's HotSpot layout simulation with the running JVM's data model (compressed references,
 * compressed class pointers or compact headers, object alignment, read from the VM's flags), so no
 * {@code Unsafe} and no agent is needed. Collection costs are the usual shallow footprints: an {@code ArrayList}
 * slot is one reference; a {@code HashMap<Long, T>} entry is a {@code HashMap.Node}, a boxed {@code Long} key and a
 * table slot at the default load factor.
 *
 * @param className the class
 * @param instanceBytes one instance
 * @param headerBytes its object header
 * @param alignmentLossBytes bytes lost to field gaps and the alignment of the instance size
 * @param fields every instance field with its offset, size and kind
 * @param recordBytes one record in the memkit off-heap layout (primitives as they are, boxed values unboxed,
 *        references as 4-byte ids), fields largest first
 * @param declarationOrderRecordBytes the same record in source declaration order (superclass fields first)
 * @param referenceBytes the size of a reference on this JVM
 * @param boxedBytes the instance size of each boxed type the class refers to
 */
public record LayoutReport(String className, long instanceBytes, int headerBytes, long alignmentLossBytes,
                           List<Field> fields, long recordBytes, long declarationOrderRecordBytes,
                           int referenceBytes, Map<String, Long> boxedBytes) {
    private static final Map<String, ValueLayout> PRIMITIVES = Map.of("boolean", ValueLayout.JAVA_BOOLEAN,
            "byte", ValueLayout.JAVA_BYTE, "char", ValueLayout.JAVA_CHAR, "short", ValueLayout.JAVA_SHORT,
            "int", ValueLayout.JAVA_INT, "float", ValueLayout.JAVA_FLOAT, "long", ValueLayout.JAVA_LONG,
            "double", ValueLayout.JAVA_DOUBLE);
    private static final Map<String, String> BOXES = Map.of("java.lang.Boolean", "boolean", "java.lang.Byte",
            "byte", "java.lang.Character", "char", "java.lang.Short", "short", "java.lang.Integer", "int",
            "java.lang.Float", "float", "java.lang.Long", "long", "java.lang.Double", "double");

    /**
     * One field.
     *
     * @param name its name (with the declaring class when inherited)
     * @param type its type
     * @param offset its offset in the instance
     * @param size its size in the instance
     * @param reference whether the GC must trace it
     * @param boxed whether it refers to a boxed primitive (an extra object per instance)
     */
    public record Field(String name, String type, long offset, long size, boolean reference, boolean boxed) {}

    /**
     * The number of fields the GC traces per instance.
     *
     * @return reference fields
     */
    public long referenceFields() {
        return fields.stream().filter(Field::reference).count();
    }

    /**
     * The number of boxed fields.
     *
     * @return boxed fields
     */
    public long boxedFields() {
        return fields.stream().filter(Field::boxed).count();
    }

    private long boxedPerInstance() {
        return fields.stream().filter(Field::boxed).mapToLong(f -> boxedBytes.get(f.type())).sum();
    }

    /**
     * Analyses a class on this JVM's data model.
     *
     * @param cls the class (not an array, interface or primitive)
     * @return the report
     */
    public static LayoutReport analyze(Class<?> cls) {
        if (cls.isArray() || cls.isInterface() || cls.isPrimitive()) {
            throw new IllegalArgumentException(cls.getName() + " is not a class with instances to lay out");
        }
        Layouter layouter = new HotSpotLayouter(dataModel(), Runtime.version().feature());
        ClassLayout layout = ClassLayout.parseClass(cls, layouter);
        List<Field> fields = new ArrayList<>();
        List<MemoryLayout> record = new ArrayList<>();
        Map<String, Long> boxed = new java.util.TreeMap<>();
        int refSize = 4;
        for (FieldLayout f : layout.fields()) {
            String type = f.typeClass();
            boolean primitive = PRIMITIVES.containsKey(type);
            boolean isBoxed = BOXES.containsKey(type);
            if (!primitive) {
                refSize = (int) f.size();
            }
            if (isBoxed && !boxed.containsKey(type)) {
                try {
                    boxed.put(type, ClassLayout.parseClass(Class.forName(type), layouter).instanceSize());
                } catch (ClassNotFoundException e) {
                    throw new IllegalStateException(e);
                }
            }
            fields.add(new Field(f.hostClass().equals(cls.getName()) ? f.name() : f.hostClass() + "." + f.name(),
                    type, f.offset(), f.size(), !primitive, isBoxed));
        }
        // The off-heap record in source declaration order (superclass fields first), for the comparison.
        List<Class<?>> hierarchy = new ArrayList<>();
        for (Class<?> c = cls; c != null && c != Object.class; c = c.getSuperclass()) {
            hierarchy.addFirst(c);
        }
        for (Class<?> c : hierarchy) {
            for (java.lang.reflect.Field f : c.getDeclaredFields()) {
                if (java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                String type = f.getType().getName();
                ValueLayout v = PRIMITIVES.containsKey(type) ? PRIMITIVES.get(type)
                        : BOXES.containsKey(type) ? PRIMITIVES.get(BOXES.get(type)) : ValueLayout.JAVA_INT;
                record.add(v.withName(c.getName() + "." + f.getName()));
            }
        }
        long recordBytes = 0;
        long declared = 0;
        if (!record.isEmpty()) {
            StructLayouts.Packed p = StructLayouts.packed(record.toArray(MemoryLayout[]::new));
            recordBytes = p.packedBytes();
            declared = p.declarationOrderBytes();
        }
        return new LayoutReport(cls.getName(), layout.instanceSize(), layout.headerSize(), layout.getLossesTotal(),
                fields, recordBytes, declared, refSize, boxed);
    }

    /** The running JVM's data model, from its flags. */
    static DataModel dataModel() {
        try {
            HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            boolean coops = Boolean.parseBoolean(hs.getVMOption("UseCompressedOops").getValue());
            int align = Integer.parseInt(hs.getVMOption("ObjectAlignmentInBytes").getValue());
            boolean compact = false;
            try {
                compact = Boolean.parseBoolean(hs.getVMOption("UseCompactObjectHeaders").getValue());
            } catch (IllegalArgumentException noSuchFlag) {
                // older JVMs: no compact headers
            }
            if (compact) {
                return new Model64_Lilliput(coops, align, true);
            }
            boolean ccps = Boolean.parseBoolean(hs.getVMOption("UseCompressedClassPointers").getValue());
            return new Model64(coops, ccps, align);
        } catch (RuntimeException e) {
            return new Model64(true, true, 8);
        }
    }

    /**
     * The report as text, with the cost of {@code count} instances in typical collections.
     *
     * @param count how many instances to cost
     * @return printable lines
     */
    public String render(long count) {
        StringBuilder sb = new StringBuilder();
        sb.append(className).append(": ").append(instanceBytes).append(" bytes per instance (header ")
                .append(headerBytes).append(", alignment loss ").append(alignmentLossBytes).append(")\n");
        sb.append(String.format(Locale.ROOT, "  %6s %5s  %-28s %s%n", "offset", "size", "type", "field"));
        sb.append(String.format(Locale.ROOT, "  %6d %5d  %-28s %s%n", 0, headerBytes, "", "(object header)"));
        for (Field f : fields) {
            sb.append(String.format(Locale.ROOT, "  %6d %5d  %-28s %s%s%n", f.offset(), f.size(), f.type(), f.name(),
                    f.boxed() ? "   <- boxed: +" + boxedBytes.get(f.type()) + " B object" : f.reference()
                            ? "   <- reference: traced by the GC" : ""));
        }
        sb.append("  reference fields (traced by every GC): ").append(referenceFields()).append(", boxed fields: ")
                .append(boxedFields()).append('\n');
        long perInstance = instanceBytes + boxedPerInstance();
        long objectsPer = 1 + boxedFields();
        long listBytes = count * (perInstance + referenceBytes) + 16;
        long table = Long.highestOneBit(Math.max(1, (long) Math.ceil(count / 0.75) - 1)) << 1;
        long longKey = ClassLayout.parseClass(Long.class, new HotSpotLayouter(dataModel(), Runtime.version()
                .feature())).instanceSize();
        long nodeBytes = 16L + 4L * referenceBytes;        // header + hash + key, value, next (aligned below)
        nodeBytes = (nodeBytes + 7) & ~7L;
        long mapBytes = count * (perInstance + longKey + nodeBytes) + table * referenceBytes + 16;
        sb.append(String.format(Locale.ROOT, "%nCost of %,d instances:%n", count));
        sb.append(String.format(Locale.ROOT, "  %-34s %12s  %,15d objects for the GC%n", "ArrayList<" + simple() + ">",
                ByteSize.format(listBytes), count * objectsPer + 1));
        sb.append(String.format(Locale.ROOT, "  %-34s %12s  %,15d objects for the GC%n",
                "HashMap<Long, " + simple() + ">", ByteSize.format(mapBytes), count * (objectsPer + 2) + 1));
        sb.append(String.format(Locale.ROOT, "  %-34s %12s  %,15d objects for the GC%n",
                "memkit off-heap records", ByteSize.format(count * recordBytes), 0));
        sb.append(String.format(Locale.ROOT, "  (record: %d bytes, fields largest first; %d in declaration order;"
                + " boxed values unboxed, references as 4-byte ids)%n", recordBytes, declarationOrderRecordBytes));
        return sb.toString();
    }

    private String simple() {
        return className.substring(className.lastIndexOf('.') + 1);
    }
}
