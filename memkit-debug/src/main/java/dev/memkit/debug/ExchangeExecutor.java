package dev.memkit.debug;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The debug endpoint's executor: one virtual thread per exchange, at most {@code max} at once, and a deadline for
 * reading each request.
 *
 * <p><b>Why.</b> The JDK's HTTP server reads a request's line and headers on the executor's thread, with no timeout
 * of its own. On a small fixed pool, a few clients that send a partial request would hold every worker. Here such a
 * client holds only its own virtual thread, and a watchdog interrupts that thread when the request has not arrived
 * whole within the deadline: the server reads from an interruptible channel, so the interrupt closes the
 * connection. The handler calls {@link #requestRead()} first thing, which cancels the deadline (a response may take
 * as long as it needs, such as a profile's seconds). An exchange beyond {@code max} starts interrupted, so its
 * connection is closed at its first read.
 *
 * <p><b>Concurrency.</b> {@code execute} may run on any thread (the server's dispatcher); deadlines are keyed by the
 * exchange's thread in a concurrent map. Owns its watchdog thread; {@link #close()} stops it.
 */
final class ExchangeExecutor implements Executor, AutoCloseable {
    private final int max;
    private final long deadlineNanos;
    private final AtomicInteger running = new AtomicInteger();
    private final ConcurrentHashMap<Thread, ScheduledFuture<?>> deadlines = new ConcurrentHashMap<>();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("memkit-debug-watchdog").factory());

    ExchangeExecutor(int max, Duration requestDeadline) {
        this.max = max;
        this.deadlineNanos = requestDeadline.toNanos();
    }

    @Override
    public void execute(Runnable exchange) {
        boolean admitted = running.incrementAndGet() <= max;
        Thread.ofVirtual().name("memkit-debug").start(() -> {
            Thread self = Thread.currentThread();
            try {
                if (admitted) {
                    deadlines.put(self, watchdog.schedule(self::interrupt, deadlineNanos, TimeUnit.NANOSECONDS));
                } else {
                    self.interrupt(); // over the bound: the first read closes the connection
                }
                exchange.run();
            } finally {
                ScheduledFuture<?> d = deadlines.remove(self);
                if (d != null) {
                    d.cancel(false);
                }
                running.decrementAndGet();
            }
        });
    }

    /** Called by the handler on the exchange's thread once the request was read: its deadline no longer applies. */
    void requestRead() {
        ScheduledFuture<?> d = deadlines.remove(Thread.currentThread());
        if (d != null) {
            d.cancel(false);
        }
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
    }
}
