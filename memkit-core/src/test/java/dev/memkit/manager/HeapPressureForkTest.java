package dev.memkit.manager;

import dev.memkit.manager.MemoryManager;
import dev.memkit.budget.PressureLevel;
import dev.memkit.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real heap pressure in a forked JVM with a small heap: the pressure monitor sees it through GC notifications and
 * the pools give their idle native memory back. Bounded: the child gives up after 60 s.
 */
class HeapPressureForkTest {

    @Test
    void heapPressureMakesPoolsGiveBackIdleMemory() throws Exception {
        Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx64m",
                "-XX:+UseG1GC", "-cp", System.getProperty("java.class.path"), Child.class.getName())
                .redirectErrorStream(true).start();
        String out;
        try {
            assertTrue(p.waitFor(90, TimeUnit.SECONDS), "child finished");
        } finally {
            out = new String(p.getInputStream().readAllBytes());
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("idle before pressure: 33554432"), out);
        assertTrue(out.contains("after pressure: 0"), out);
    }

    /** The forked program. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            try (MemoryManager m = MemoryManager.builder().limitBytes(512L << 20)
                    .bufferPool(b -> b.idleTimeout(Duration.ZERO).threadCacheBytes(0)).build()) {
                List<Buffer> held = new ArrayList<>();
                for (int i = 0; i < 32; i++) {
                    held.add(m.acquire(1L << 20));
                }
                held.forEach(Buffer::close);
                System.out.println("idle before pressure: " + m.buffers().stats().reservedBytes());
                List<byte[]> hog = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (m.pressure().level() == PressureLevel.NORMAL && System.nanoTime() < deadline) {
                    if (hog.size() < 52) {
                        hog.add(new byte[1 << 20]); // live data up to ~52 of 64 MiB: above 75% after GC
                    }
                    System.gc();
                    Thread.sleep(20);
                }
                // Listeners run on the JDK's notification thread right after the level changes: wait for the trim.
                while (m.buffers().stats().reservedBytes() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                System.out.println("level " + m.pressure().level() + ", reserved after pressure: "
                        + m.buffers().stats().reservedBytes() + " (" + hog.size() + " MiB live on heap)");
            }
        }
    }
}
