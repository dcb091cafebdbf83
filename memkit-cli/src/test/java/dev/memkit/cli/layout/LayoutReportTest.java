package dev.memkit.cli.layout;

import dev.memkit.cli.CliRun;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayoutReportTest {
    /** A typical pointer-rich record. */
    @SuppressWarnings("unused")
    static final class Order {
        byte flags;
        long id;
        String symbol;
        Long price;
        int qty;
    }

    @Test
    void fieldsReferencesAndBoxesAreFound() {
        LayoutReport r = LayoutReport.analyze(Order.class);
        assertEquals(5, r.fields().size());
        assertEquals(2, r.referenceFields(), "symbol and price");
        assertEquals(1, r.boxedFields(), "price");
        assertEquals(0, r.instanceBytes() % 8, "instances are 8-byte aligned");
        assertTrue(r.headerBytes() >= 8 && r.headerBytes() <= 16);
        long fieldBytes = r.fields().stream().mapToLong(LayoutReport.Field::size).sum();
        assertEquals(r.instanceBytes(), r.headerBytes() + fieldBytes + r.alignmentLossBytes());
        // off heap: id long, price long, qty int, symbol id int, flags byte, 7 bytes tail padding
        assertEquals(32, r.recordBytes());
        assertEquals(40, r.declarationOrderRecordBytes(), "byte, pad 7, long, int, pad 4, long, int, pad 4");
        assertTrue(r.boxedBytes().get("java.lang.Long") >= 16);
    }

    @Test
    void theReportCostsCollectionsAgainstOffHeapRecords() {
        String text = LayoutReport.analyze(Order.class).render(1_000_000);
        assertTrue(text.contains("<- boxed"), text);
        assertTrue(text.contains("<- reference: traced by the GC"), text);
        assertTrue(text.contains("ArrayList<LayoutReportTest$Order>"), text);
        assertTrue(text.contains("HashMap<Long, LayoutReportTest$Order>"), text);
        assertTrue(text.contains("memkit off-heap records") && text.contains("30.5 MiB"), text);
        assertThrows(IllegalArgumentException.class, () -> LayoutReport.analyze(Runnable.class));
    }

    @Test
    void theCommandExplainsAMissingClass() {
        CliRun.Outcome ok = CliRun.run("layout", Order.class.getName(), "--count", "10");
        assertEquals(0, ok.exit());
        assertTrue(ok.out().contains("Cost of 10 instances"), ok.out());
        CliRun.Outcome missing = CliRun.run("layout", "com.example.Missing");
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("class not found: com.example.Missing"), missing.err());
        assertEquals(1, CliRun.run("layout", "java.lang.String", "--count", "0").exit());
    }
}
