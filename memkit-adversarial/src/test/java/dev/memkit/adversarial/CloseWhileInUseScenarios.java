package dev.memkit.adversarial;

import dev.memkit.offheap.ByteArray;
import dev.memkit.offheap.BytesMap;
import dev.memkit.offheap.LongArray;
import dev.memkit.offheap.LongLongMap;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Child-JVM scenario: threads read and write an off-heap structure while another thread closes it. Every call must
 * either work or throw {@code IllegalStateException}; anything else (a crash, another exception) fails. Prints "OK".
 * Argument: {@code long-map}, {@code bytes-map}, {@code long-array} or {@code byte-array}; then rounds.
 */
public final class CloseWhileInUseScenarios {
    private CloseWhileInUseScenarios() {}

    public static void main(String[] args) throws Exception {
        String kind = args[0];
        int rounds = Integer.parseInt(args[1]);
        AtomicLong refused = new AtomicLong();
        for (int round = 0; round < rounds; round++) {
            AutoCloseable target;
            Runnable[] work = new Runnable[3];
            switch (kind) {
                case "long-map" -> {
                    LongLongMap m = LongLongMap.builder().build();
                    target = m;
                    work[0] = () -> { for (long k = 0; ; k++) { m.put(k & 0xFFFF, k); } };
                    work[1] = () -> { for (long k = 0; ; k++) { m.getOrDefault(k & 0xFFFF, -1); } };
                    work[2] = () -> { long[] ks = new long[64], vs = new long[64];
                        for (;;) { m.getAll(ks, vs, 0, 64, -1); } };
                }
                case "bytes-map" -> {
                    BytesMap m = BytesMap.builder().build();
                    target = m;
                    work[0] = () -> { for (long k = 0; ; k++) { m.put(key(k & 0xFFF), key(k)); } };
                    work[1] = () -> { for (long k = 0; ; k++) { m.get(key(k & 0xFFF)); } };
                    work[2] = () -> { for (long k = 0; ; k++) { m.remove(key(k & 0xFFF)); } };
                }
                case "long-array" -> {
                    LongArray a = LongArray.allocate(1 << 16);
                    target = a;
                    work[0] = () -> { for (long i = 0; ; i++) { a.set(i & 0xFFFF, i); } };
                    work[1] = () -> { for (long i = 0; ; i++) { a.get(i & 0xFFFF); } };
                    work[2] = work[1];
                }
                case "byte-array" -> {
                    ByteArray a = ByteArray.allocate(1 << 16);
                    target = a;
                    work[0] = () -> { for (long i = 0; ; i++) { a.set(i & 0xFFFF, (byte) i); } };
                    work[1] = () -> { for (long i = 0; ; i++) { a.get(i & 0xFFFF); } };
                    work[2] = work[1];
                }
                default -> throw new IllegalArgumentException(kind);
            }
            CountDownLatch started = new CountDownLatch(work.length);
            AtomicReference<Throwable> unexpected = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (Runnable w : work) {
                threads.add(Thread.ofPlatform().start(() -> {
                    started.countDown();
                    try {
                        w.run();
                    } catch (IllegalStateException expected) {
                        refused.incrementAndGet();
                    } catch (Throwable t) {
                        unexpected.compareAndSet(null, t);
                    }
                }));
            }
            started.await();
            Thread.sleep(round % 5);
            target.close();
            for (Thread t : threads) {
                t.join();
            }
            if (unexpected.get() != null) {
                System.out.println("FAILED: " + unexpected.get());
                unexpected.get().printStackTrace(System.out);
                System.exit(1);
            }
        }
        System.out.println("OK, " + refused.get() + " calls refused after close");
    }

    private static byte[] key(long k) {
        return ByteBuffer.allocate(8).putLong(k).array();
    }
}
