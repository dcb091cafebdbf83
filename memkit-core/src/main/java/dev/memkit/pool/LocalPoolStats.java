package dev.memkit.pool;

/**
 * A snapshot of a {@link LocalPool}. Counters are gathered thread by thread without stopping anyone, so under
 * concurrent use they may miss the operations in flight; they are exact when the pool is quiescent.
 *
 * @param pool the pool's name
 * @param gets objects handed out ({@code hits + misses})
 * @param hits gets served by an idle object
 * @param misses gets that called the factory
 * @param puts objects kept by {@code put}
 * @param dropped objects let go: refused by the keep predicate, put after close or into full caches, or aged out
 * @param idle idle objects held now (approximate while threads run)
 * @since 0.1
 */
public record LocalPoolStats(String pool, long gets, long hits, long misses, long puts, long dropped, long idle) {
    /**
     * The fraction of gets served from the pool.
     *
     * @return {@code hits / gets}, or {@code NaN} before the first get
     */
    public double hitRate() {
        return gets == 0 ? Double.NaN : (double) hits / gets;
    }
}
