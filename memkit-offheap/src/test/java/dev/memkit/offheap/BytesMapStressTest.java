package dev.memkit.offheap;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Writers own disjoint keys and overwrite them often (so compaction and index growth run under the readers);
 * every value starts with its key's id and then repeats one byte, so a reader that sees another key's value, or a
 * torn one (half of the puts keep a key's value length and overwrite it in place), fails.
 * Bounded by operation count and a wall-clock cap.
 */
class BytesMapStressTest {
    @Test
    void readersNeverSeeAnotherKeysValueWhileSegmentsCompact() throws Exception {
        int writers = 3;
        List<Map<Integer, byte[]>> models = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            models.add(new HashMap<>());
        }
        try (BytesMap map = BytesMap.builder().expectedSize(0).segments(2).slabBytes(16 * 1024).build()) {
            WritersAndReaders.run(writers, (id, go) -> {
                Map<Integer, byte[]> model = models.get(id);
                SplittableRandom rnd = new SplittableRandom(id);
                for (int i = 0; i < 100_000 && go.getAsBoolean(); i++) {
                    int k = rnd.nextInt(5000) * writers + id;
                    if (rnd.nextInt(5) == 0) {
                        assertEquals(model.remove(k) != null, map.remove(BytesMapModelTest.key(k)));
                    } else {
                        // Half the puts keep one length, so many overwrite in place; every value is its key's id
                        // and then one fill byte repeated, so a torn read shows as mixed bytes.
                        byte[] v = new byte[4 + (rnd.nextBoolean() ? 100 : rnd.nextInt(200))];
                        java.util.Arrays.fill(v, (byte) (1 + rnd.nextInt(255)));
                        ByteBuffer.wrap(v).putInt(k);
                        map.put(BytesMapModelTest.key(k), v);
                        model.put(k, v);
                    }
                }
            }, 2, (r, go) -> {
                SplittableRandom rnd = new SplittableRandom(50 + r);
                boolean batched = r == 1; // one reader one key at a time, the other with getAll
                int batch = batched ? 20 : 1;
                MemorySegment[] keys = new MemorySegment[batch];
                MemorySegment[] outs = new MemorySegment[batch];
                long[] lengths = new long[batch];
                int[] ids = new int[batch];
                try (Arena arena = Arena.ofConfined()) {
                    for (int j = 0; j < batch; j++) {
                        outs[j] = arena.allocate(256);
                    }
                    while (go.getAsBoolean()) {
                        for (int j = 0; j < batch; j++) {
                            ids[j] = rnd.nextInt(5000 * writers);
                            keys[j] = MemorySegment.ofArray(BytesMapModelTest.key(ids[j]));
                        }
                        if (batched) {
                            map.getAll(keys, outs, lengths, 0, batch);
                        } else {
                            lengths[0] = map.get(keys[0], outs[0]);
                        }
                        for (int j = 0; j < batch; j++) {
                            checkValue(ids[j], lengths[j], outs[j]);
                        }
                    }
                }
            }, 15);
            long expected = 0;
            for (Map<Integer, byte[]> model : models) {
                expected += model.size();
                for (var e : model.entrySet()) {
                    assertArrayEquals(e.getValue(), map.get(BytesMapModelTest.key(e.getKey())));
                }
            }
            assertEquals(expected, map.size());
        }
    }

    /** A value read for key {@code k} ({@code n} bytes, or -1) must be k's own and whole. */
    private static void checkValue(int k, long n, MemorySegment out) {
        if (n >= 0 && out.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 0) != k) {
            throw new AssertionError("key " + k + " read another key's value");
        }
        for (long b = 5; b < n; b++) {
            if (out.get(ValueLayout.JAVA_BYTE, b) != out.get(ValueLayout.JAVA_BYTE, 4)) {
                throw new AssertionError("key " + k + " read a torn value");
            }
        }
    }
}
