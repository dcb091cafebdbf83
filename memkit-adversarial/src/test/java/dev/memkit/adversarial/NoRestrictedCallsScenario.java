package dev.memkit.adversarial;

import dev.memkit.manager.Lifetime;
import dev.memkit.manager.MemoryManager;
import dev.memkit.arena.RegionArena;
import dev.memkit.buffer.Buffer;
import dev.memkit.buffer.BufferPool;
import dev.memkit.offheap.BytesMap;
import dev.memkit.offheap.LongArray;
import dev.memkit.offheap.LongLongMap;
import dev.memkit.pool.BoundedPool;
import dev.memkit.pool.LocalPool;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Child-JVM scenario run without {@code --enable-native-access}: uses every component, big buffers and growing maps
 * included. The test checks the JDK printed no "restricted method" warning. Prints "OK".
 */
public final class NoRestrictedCallsScenario {
    private NoRestrictedCallsScenario() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("memkit-norestricted");
        try (MemoryManager memory = MemoryManager.builder().limitBytes(1L << 30).build();
             BufferPool pool = BufferPool.builder().build()) {
            for (long size : new long[] {100, 70_000, 3 << 20, 40 << 20}) {
                try (Buffer b = pool.acquire(size)) {
                    b.segment().fill((byte) 1);
                    b.byteBuffer().put(0, (byte) 2);
                }
            }
            pool.trim(0);
            try (RegionArena arena = RegionArena.shared(pool)) {
                arena.allocate(100);
                arena.allocate(1 << 20);
                arena.reset();
            }
            memory.allocate(1 << 20, Lifetime.LONG_LIVED).close();
            memory.inScope(() -> memory.allocate(512, Lifetime.SCOPED).segment().byteSize());
            try (LongLongMap m = LongLongMap.builder().directory(dir.resolve("m")).build()) {
                for (long k = 0; k < 500_000; k++) {
                    m.put(k, k);
                }
            }
            try (BytesMap m = BytesMap.builder().build()) {
                m.put(new byte[] {1}, new byte[] {2});
            }
            try (LongArray a = LongArray.allocate(1 << 20)) {
                a.set(5, 5);
            }
            LocalPool<StringBuilder> local = LocalPool.builder(StringBuilder::new).build();
            local.put(local.get());
            try (BoundedPool<StringBuilder> bounded = BoundedPool.builder(StringBuilder::new).capacity(1).build()) {
                bounded.acquire().close();
            }
        }
        System.out.println("OK");
    }
}
