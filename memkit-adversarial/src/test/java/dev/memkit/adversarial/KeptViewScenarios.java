package dev.memkit.adversarial;

import dev.memkit.arena.RegionArena;
import dev.memkit.buffer.Buffer;
import dev.memkit.buffer.BufferPool;
import dev.memkit.leak.LeakDetection;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Child-JVM scenarios: an owner (a {@code Buffer}, a {@code RegionArena}) dropped without release while a
 * {@code MemorySegment} or {@code ByteBuffer} view of its memory is kept. After GCs, trims and a flood of new leases
 * the kept view must still read its own bytes (the memory was not reused) or throw {@code IllegalStateException};
 * no new lease may overlap it. Exits 0 and prints "OK" when all held, 1 with a reason otherwise.
 *
 * <p>Arguments: scenario ({@code arena-confined}, {@code arena-shared}, {@code buffer-segment},
 * {@code buffer-bytebuffer}), leak detection mode, lease size.
 */
public final class KeptViewScenarios {
    private KeptViewScenarios() {}

    public static void main(String[] args) throws Exception {
        String scenario = args[0];
        LeakDetection mode = LeakDetection.valueOf(args[1]);
        int size = Integer.parseInt(args[2]);
        try (BufferPool pool = BufferPool.builder().name("victim").leakDetection(mode).idleTimeout(Duration.ZERO)
                .leakListener(r -> System.out.println("reported: " + r)).build()) {
            MemorySegment kept = keep(pool, scenario, size);
            long pattern = 0x5EED_F00D_CAFE_BABEL;
            for (long at = 0; at + 8 <= kept.byteSize(); at += 8) {
                kept.set(ValueLayout.JAVA_LONG_UNALIGNED, at, pattern);
            }
            List<Buffer> others = new ArrayList<>();
            for (int round = 0; round < 6; round++) {
                System.gc();
                Thread.sleep(20);
                pool.trim(0);
                for (int i = 0; i < 64; i++) {
                    Buffer b = pool.acquire(size);
                    b.fill((byte) 0x11);
                    others.add(b);
                    long a = b.segment().address();
                    // Reuse is fine only once the kept view is dead (PARANOID invalidates a leaked lease's views).
                    if (a < kept.address() + kept.byteSize() && kept.address() < a + size && kept.scope().isAlive()) {
                        fail("a new lease at " + Long.toHexString(a) + " overlaps the kept view at "
                                + Long.toHexString(kept.address()));
                    }
                }
                if (round % 2 == 1) {
                    others.forEach(Buffer::close);
                    others.clear();
                }
            }
            try {
                for (long at = 0; at + 8 <= kept.byteSize(); at += 8) {
                    long v = kept.get(ValueLayout.JAVA_LONG_UNALIGNED, at);
                    if (v != pattern) {
                        fail("the kept view reads " + Long.toHexString(v) + " at " + at + ": another owner wrote it");
                    }
                }
                System.out.println("kept view intact");
            } catch (IllegalStateException expected) {
                System.out.println("kept view invalidated: " + expected.getMessage());
            }
            others.forEach(Buffer::close);
        }
        System.out.println("OK");
    }

    private static MemorySegment keep(BufferPool pool, String scenario, int size) {
        return switch (scenario) {
            case "arena-confined" -> RegionArena.confined(pool).allocate(size / 2 - 64);
            case "arena-shared" -> RegionArena.shared(pool).allocate(size / 2 - 64);
            case "arena-dedicated" -> RegionArena.confined(pool).allocate(size * 2L);
            case "buffer-segment" -> pool.acquire(size).segment();
            case "buffer-bytebuffer" -> {
                ByteBuffer bb = pool.acquire(size).byteBuffer();
                yield MemorySegment.ofBuffer(bb);
            }
            default -> throw new IllegalArgumentException(scenario);
        };
    }

    private static void fail(String why) {
        System.out.println("FAILED: " + why);
        System.exit(1);
    }
}
