package dev.memkit.pool;

import dev.memkit.internal.LeakReporting;
import dev.memkit.leak.LeakDetection;
import dev.memkit.leak.LeakReport;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Configuration of a {@link BoundedPool}. Not thread-safe; build once.
 *
 * @param <T> the pooled type
 * @since 0.1
 */
public final class BoundedPoolBuilder<T> {
    final ObjectFactory<? extends T> factory;
    String name = "bounded";
    int capacity = 8;
    int prewarm;
    Duration acquireTimeout = Duration.ofSeconds(30);
    Consumer<? super T> reset;
    Predicate<? super T> validateOnAcquire;
    Predicate<? super T> validateOnRelease;
    Consumer<? super T> onDestroy;
    Duration maxAge;
    long maxUses;
    LeakDetection leakDetection = LeakDetection.SAMPLED;
    int leakSamplingRate = 1024;
    Consumer<LeakReport> leakListener = LeakReporting::log;

    BoundedPoolBuilder(ObjectFactory<? extends T> factory) {
        this.factory = Objects.requireNonNull(factory, "factory");
    }

    /**
     * Names the pool (messages, statistics). Default "bounded".
     *
     * @param name a non-blank name
     * @return this builder
     */
    public BoundedPoolBuilder<T> name(String name) {
        if (Objects.requireNonNull(name, "name").isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        this.name = name;
        return this;
    }

    /**
     * The most objects that may exist at once. Default 8.
     *
     * @param capacity between 1 and 2^20
     * @return this builder
     */
    public BoundedPoolBuilder<T> capacity(int capacity) {
        if (capacity < 1 || capacity > (1 << 20)) {
            throw new IllegalArgumentException("capacity must be in [1, 1048576]: " + capacity);
        }
        this.capacity = capacity;
        return this;
    }

    /**
     * Objects created by {@code build()}, so the first acquires do not pay for creation. Default 0.
     *
     * @param count between 0 and the capacity
     * @return this builder
     */
    public BoundedPoolBuilder<T> prewarm(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("prewarm must not be negative: " + count);
        }
        this.prewarm = count;
        return this;
    }

    /**
     * How long {@link BoundedPool#acquire()} waits for a free object. Default 30 s.
     *
     * @param timeout zero (do not wait) or positive
     * @return this builder
     */
    public BoundedPoolBuilder<T> acquireTimeout(Duration timeout) {
        if (Objects.requireNonNull(timeout, "timeout").isNegative()) {
            throw new IllegalArgumentException("acquireTimeout must not be negative: " + timeout);
        }
        this.acquireTimeout = timeout;
        return this;
    }

    /**
     * Runs on each object at release, before it is kept. If it throws, the object is destroyed, the slot
     * freed, and the exception reaches the releasing caller.
     *
     * @param reset the hook
     * @return this builder
     */
    public BoundedPoolBuilder<T> reset(Consumer<? super T> reset) {
        this.reset = Objects.requireNonNull(reset, "reset");
        return this;
    }

    /**
     * Checks an idle object before it is leased; an object that fails (or whose check throws) is destroyed
     * and replaced by a new one.
     *
     * @param check true when the object may be used
     * @return this builder
     */
    public BoundedPoolBuilder<T> validateOnAcquire(Predicate<? super T> check) {
        this.validateOnAcquire = Objects.requireNonNull(check, "check");
        return this;
    }

    /**
     * Checks an object at release; an object that fails (or whose check throws) is destroyed.
     *
     * @param check true when the object may be kept
     * @return this builder
     */
    public BoundedPoolBuilder<T> validateOnRelease(Predicate<? super T> check) {
        this.validateOnRelease = Objects.requireNonNull(check, "check");
        return this;
    }

    /**
     * Destroys objects older than {@code age} (checked at acquire and release). Default: no limit.
     *
     * @param age positive
     * @return this builder
     */
    public BoundedPoolBuilder<T> maxAge(Duration age) {
        if (Objects.requireNonNull(age, "age").isNegative() || age.isZero()) {
            throw new IllegalArgumentException("maxAge must be positive: " + age);
        }
        this.maxAge = age;
        return this;
    }

    /**
     * Destroys an object after it has been leased {@code uses} times. Default: no limit.
     *
     * @param uses positive
     * @return this builder
     */
    public BoundedPoolBuilder<T> maxUses(long uses) {
        if (uses < 1) {
            throw new IllegalArgumentException("maxUses must be positive: " + uses);
        }
        this.maxUses = uses;
        return this;
    }

    /**
     * Called once for every object the pool destroys (invalid, expired, leaked, invalidated, or at close).
     * Exceptions are logged and ignored.
     *
     * @param onDestroy the callback, for example {@code Connection::close}
     * @return this builder
     */
    public BoundedPoolBuilder<T> onDestroy(Consumer<? super T> onDestroy) {
        this.onDestroy = Objects.requireNonNull(onDestroy, "onDestroy");
        return this;
    }

    /**
     * How leaked leases are watched; see {@link BoundedPool}. Default {@link LeakDetection#SAMPLED}: every
     * leaked slot is recovered, and sites are sampled once the pool has seen a leak.
     *
     * @param mode the mode
     * @return this builder
     */
    public BoundedPoolBuilder<T> leakDetection(LeakDetection mode) {
        this.leakDetection = Objects.requireNonNull(mode, "mode");
        return this;
    }

    /**
     * Once the pool has seen a leak, one lease in {@code rate} records its acquisition site (SAMPLED). Default
     * 1024.
     *
     * @param rate at least 1
     * @return this builder
     */
    public BoundedPoolBuilder<T> leakSamplingRate(int rate) {
        if (rate < 1) {
            throw new IllegalArgumentException("leakSamplingRate must be at least 1: " + rate);
        }
        this.leakSamplingRate = rate;
        return this;
    }

    /**
     * Receives leak reports. Default: logged at WARNING through {@code System.Logger}.
     *
     * @param listener the listener
     * @return this builder
     */
    public BoundedPoolBuilder<T> leakListener(Consumer<LeakReport> listener) {
        this.leakListener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /**
     * Builds the pool and creates the prewarmed objects.
     *
     * @return the pool
     * @throws IllegalArgumentException if prewarm exceeds capacity
     * @throws ObjectCreationException if the factory fails while prewarming (objects already made are
     *         destroyed)
     */
    public BoundedPool<T> build() {
        if (prewarm > capacity) {
            throw new IllegalArgumentException("prewarm (" + prewarm + ") exceeds capacity (" + capacity + ")");
        }
        BoundedPool<T> pool = new BoundedPool<>(this);
        try {
            pool.prewarm(prewarm);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        return pool;
    }
}
