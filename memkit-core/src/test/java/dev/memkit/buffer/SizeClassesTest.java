package dev.memkit.buffer;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SizeClassesTest {
    private static final SizeClasses DEFAULTS = SizeClasses.defaults();

    @Test
    void defaultsSpanSixteenBytesToSixteenMebibytesFourPerDoubling() {
        assertEquals(16, DEFAULTS.size(0));
        assertEquals(16L << 20, DEFAULTS.largest());
        assertEquals(76, DEFAULTS.count());
        for (int i = 1; i < DEFAULTS.count(); i++) {
            assertTrue(DEFAULTS.size(i) > DEFAULTS.size(i - 1));
            assertEquals(0, DEFAULTS.size(i) % 16, "every class is a multiple of 16");
        }
    }

    @Property
    void classIsSmallestThatHoldsTheRequest(@ForAll @LongRange(min = 1, max = 16L << 20) long size) {
        int i = DEFAULTS.indexFor(size);
        assertTrue(DEFAULTS.size(i) >= size);
        assertTrue(i == 0 || DEFAULTS.size(i - 1) < size);
    }

    @Property
    void defaultWasteIsUnderAQuarterOfTheRequest(@ForAll @LongRange(min = 129, max = 16L << 20) long size) {
        long block = DEFAULTS.size(DEFAULTS.indexFor(size));
        assertTrue(block - size < size / 4.0, () -> size + " -> " + block);
    }

    @Property
    void customClassesAgreeWithLinearSearch(@ForAll @LongRange(min = 1, max = 20L << 20) long size) {
        SizeClasses coarse = SizeClasses.coarse();
        int expected = -1;
        for (int i = 0; i < coarse.count(); i++) {
            if (coarse.size(i) >= size) {
                expected = i;
                break;
            }
        }
        assertEquals(expected, coarse.indexFor(size));
    }

    @Test
    void everyClassBoundaryAgreesWithLinearSearch() {
        for (SizeClasses classes : new SizeClasses[] {DEFAULTS, SizeClasses.coarse(), SizeClasses.of(48, 80, 1000, 5000, 70_000)}) {
            for (int c = 0; c < classes.count(); c++) {
                for (long size = Math.max(1, classes.size(c) - 2); size <= classes.size(c) + 2; size++) {
                    int expected = -1;
                    for (int i = 0; i < classes.count(); i++) {
                        if (classes.size(i) >= size) {
                            expected = i;
                            break;
                        }
                    }
                    assertEquals(expected, classes.indexFor(size), classes + " at " + size);
                }
            }
        }
    }

    @Test
    void aboveTheLargestClassIsMinusOne() {
        assertEquals(-1, DEFAULTS.indexFor((16L << 20) + 1));
        assertEquals(-1, DEFAULTS.indexFor(Long.MAX_VALUE));
    }

    @Test
    void coarsePresetAndParsing() {
        assertEquals(SizeClasses.coarse(), SizeClasses.parse("1k,100k,1m,16m"));
        assertEquals(SizeClasses.coarse(), SizeClasses.parse("coarse"));
        assertEquals(102400, SizeClasses.coarse().size(1));
        assertEquals(SizeClasses.of(16, 112), SizeClasses.of(10, 100), "rounded up to 16 bytes");
    }

    @Test
    void badClassesAreRejectedClearly() {
        assertThrows(IllegalArgumentException.class, SizeClasses::of);
        assertThrows(IllegalArgumentException.class, () -> SizeClasses.of(100, 50));
        assertThrows(IllegalArgumentException.class, () -> SizeClasses.of(0));
        assertThrows(IllegalArgumentException.class, () -> SizeClasses.of(-1));
        assertThrows(IllegalArgumentException.class, () -> SizeClasses.of(2L << 30));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SizeClasses.parse("1k,lots"));
        assertTrue(e.getMessage().contains("lots"), e.getMessage());
    }
}
