/**
 * Object pools: {@link dev.memkit.pool.LocalPool}, per-thread caches with no atomic instruction on the fast path and
 * timed dropping of idle objects (the JVM's {@code sync.Pool}), and {@link dev.memkit.pool.BoundedPool}, N objects
 * leased one holder at a time ({@link dev.memkit.pool.Lease}) with waiting, validation, expiry and leak recovery.
 *
 * @since 0.1
 */
package dev.memkit.pool;
