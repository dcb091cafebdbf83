package dev.memkit.offheap;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The harness both map stress tests share: writer threads run their bounded loops, reader threads read until every
 * writer is done, everything stops at a wall-clock cap, and any thread's failure fails the test.
 */
final class WritersAndReaders {
    private WritersAndReaders() {
    }

    /** One thread's work: {@code index} among its kind; loop while {@code go} says so. */
    @FunctionalInterface
    interface Body {
        void run(int index, BooleanSupplier go) throws Throwable;
    }

    static void run(int writers, Body writer, int readers, Body reader, long capSeconds) throws InterruptedException {
        long cap = System.nanoTime() + TimeUnit.SECONDS.toNanos(capSeconds);
        AtomicBoolean done = new AtomicBoolean();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            threads.add(start(writer, w, () -> System.nanoTime() < cap, failures));
        }
        for (int r = 0; r < readers; r++) {
            threads.add(start(reader, r, () -> !done.get() && System.nanoTime() < cap, failures));
        }
        for (int i = 0; i < writers; i++) {
            threads.get(i).join();
        }
        done.set(true);
        for (Thread t : threads) {
            t.join();
        }
        assertTrue(failures.isEmpty(), () -> "failures: " + failures);
    }

    private static Thread start(Body body, int index, BooleanSupplier go, ConcurrentLinkedQueue<Throwable> failures) {
        return Thread.ofPlatform().start(() -> {
            try {
                body.run(index, go);
            } catch (Throwable e) {
                failures.add(e);
            }
        });
    }
}
