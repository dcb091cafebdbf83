package dev.memkit.buffer;

import dev.memkit.leak.LeakDetection;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs {@link BufferPoolContract} against every configuration memkit supports. */
class BufferPoolConfigurationsTest {
    @Nested
    class Defaults extends BufferPoolContract {
        @Override
        BufferPoolBuilder configure(BufferPoolBuilder b) {
            return b;
        }
    }

    /** Big blocks keep their pages (the fallback when memkit has no native access). */
    @Nested
    class WithoutPageRelease extends BufferPoolContract {
        @Override
        BufferPoolBuilder configure(BufferPoolBuilder b) {
            return b.pageRelease(false);
        }
    }

    @Nested
    class WithoutThreadCaches extends BufferPoolContract {
        @Override
        BufferPoolBuilder configure(BufferPoolBuilder b) {
            return b.threadCacheBytes(0);
        }
    }

    @Nested
    class OneStripeTrackingEveryLease extends BufferPoolContract {
        @Override
        BufferPoolBuilder configure(BufferPoolBuilder b) {
            return b.stripes(1).leakDetection(LeakDetection.SAMPLED);
        }
    }

    @Nested
    class CoarseClasses extends BufferPoolContract {
        @Override
        BufferPoolBuilder configure(BufferPoolBuilder b) {
            return b.sizeClasses(SizeClasses.coarse()).leakDetection(LeakDetection.DISABLED);
        }
    }

    @Nested
    class Paranoid extends BufferPoolContract {
        @Override
        BufferPoolBuilder configure(BufferPoolBuilder b) {
            return b.leakDetection(LeakDetection.PARANOID);
        }

        @Test
        void rawViewsFailAfterRelease() {
            BufferPool pool = pool();
            MemorySegment raw;
            ByteBuffer bb;
            try (Buffer b = pool.acquire(4096)) {
                raw = b.segment();
                bb = b.byteBuffer();
                raw.set(ValueLayout.JAVA_INT, 0, 1);
            }
            assertThrows(IllegalStateException.class, () -> raw.get(ValueLayout.JAVA_INT, 0));
            assertThrows(IllegalStateException.class, () -> bb.get(0));
        }

        @Test
        void outstandingLeaseIsReportedWithItsSite() {
            BufferPool pool = pool();
            Buffer b = pool.acquire(321);
            IllegalStateException e = assertThrows(IllegalStateException.class, pool::checkNoLeases);
            assertTrue(e.getMessage().contains("rawViewsFailAfterRelease") || e.getMessage().contains(
                    "outstandingLeaseIsReportedWithItsSite"), e.getMessage());
            b.close();
        }
    }
}
