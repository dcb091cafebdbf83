package dev.memkit.arena;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs {@link RegionArenaContract} against every variant. */
class RegionArenaVariantsTest {
    @Nested
    class ConfinedZeroing extends RegionArenaContract {
        @Override
        RegionArena.Builder configure(RegionArena.Builder b) {
            return b;
        }

        @Override
        boolean zeroing() {
            return true;
        }

        @Override
        boolean shared() {
            return false;
        }

        @Test
        void otherThreadsCannotAllocateOrUseSegments() throws Exception {
            try (RegionArena a = arena(pool())) {
                MemorySegment s = a.allocate(8);
                Throwable t = onOtherThread(() -> a.allocate(8));
                assertTrue(t instanceof WrongThreadException && t.getMessage().contains("shared"), String.valueOf(t));
                assertTrue(onOtherThread(() -> s.get(ValueLayout.JAVA_BYTE, 0)) instanceof WrongThreadException);
                assertTrue(onOtherThread(a::reset) instanceof WrongThreadException);
            }
        }
    }

    @Nested
    class ConfinedNoZeroing extends RegionArenaContract {
        @Override
        RegionArena.Builder configure(RegionArena.Builder b) {
            return b.zeroing(false).retainedChunks(2);
        }

        @Override
        boolean zeroing() {
            return false;
        }

        @Override
        boolean shared() {
            return false;
        }
    }

    @Nested
    class SharedZeroing extends RegionArenaContract {
        @Override
        RegionArena.Builder configure(RegionArena.Builder b) {
            return b.shared(true);
        }

        @Override
        boolean zeroing() {
            return true;
        }

        @Override
        boolean shared() {
            return true;
        }

        @Test
        void otherThreadsAllocateAndUseSegments() throws Exception {
            try (RegionArena a = arena(pool())) {
                MemorySegment mine = a.allocate(8);
                mine.set(ValueLayout.JAVA_LONG, 0, 5);
                MemorySegment[] theirs = new MemorySegment[1];
                assertNull(onOtherThread(() -> {
                    theirs[0] = a.allocate(8);
                    theirs[0].set(ValueLayout.JAVA_LONG, 0, 6);
                    assertEquals(5, mine.get(ValueLayout.JAVA_LONG, 0));
                }));
                assertEquals(6, theirs[0].get(ValueLayout.JAVA_LONG, 0));
            }
        }
    }
}
