package dev.memkit.buffer;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rounding waste is counted, attributed to its class, and named when a pool refuses a request. */
class RoundingWasteTest {

    @Test
    void aCoarsePoolFullOfRoundedUpRequestsSaysSoWhenItRefuses() {
        // Without page release the 16 MiB class holds a whole block for a 1–4 MiB request: the scenario.
        try (BufferPool pool = BufferPool.builder().sizeClasses(SizeClasses.coarse()).pageRelease(false)
                .limitBytes(64L << 20).acquireTimeout(Duration.ZERO).idleTimeout(Duration.ZERO).build()) {
            List<Buffer> held = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                held.add(pool.acquire((2L << 20) + i)); // each takes a 16 MiB block
            }
            BufferPoolStats st = pool.stats();
            long requested = st.leasedBytes();
            assertEquals(4 * (16L << 20) - requested, st.roundingWasteBytes());
            assertEquals(16L << 20, st.mostWastefulClass().blockSize());
            PoolExhaustedException e = assertThrows(PoolExhaustedException.class, () -> pool.acquire(3L << 20));
            assertTrue(e.getMessage().contains("rounding waste") && e.getMessage().contains("16 MiB class"),
                    e.getMessage());
            held.forEach(Buffer::close);
            assertEquals(0, pool.stats().roundingWasteBytes());
            assertNull(pool.stats().mostWastefulClass());
        }
    }

    @Test
    void exactClassSizesWasteNothing() {
        try (BufferPool pool = BufferPool.builder().pageRelease(false).build();
             Buffer a = pool.acquire(1024);
             Buffer b = pool.acquire(1280)) {
            assertEquals(a.size() + b.size(), pool.stats().leasedBytes());
            assertEquals(0, pool.stats().roundingWasteBytes());
            try (Buffer c = pool.acquire(1025)) { // rounds up to the 1280 class
                assertEquals(1280 - c.size(), pool.stats().roundingWasteBytes());
            }
        }
    }
}
