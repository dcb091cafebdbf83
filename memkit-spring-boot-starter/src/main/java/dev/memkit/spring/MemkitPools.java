package dev.memkit.spring;

import dev.memkit.buffer.BufferPool;

import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The buffer pools configured under {@code memkit.pools.*}, by name; the default pool is
 * {@code MemoryManager.buffers()}. The manager owns and closes them. Immutable and thread-safe.
 *
 * @param byName every configured pool
 * @since 0.1
 */
public record MemkitPools(Map<String, BufferPool> byName) {
    /** Copies the map. */
    public MemkitPools {
        byName = Map.copyOf(byName);
    }

    /**
     * One pool.
     *
     * @param name its name as configured
     * @return the pool
     * @throws NoSuchElementException naming the configured pools, if there is none by that name
     */
    public BufferPool get(String name) {
        BufferPool pool = byName.get(name);
        if (pool == null) {
            throw new NoSuchElementException("no memkit pool '" + name + "' (configured: " + byName.keySet()
                    + "; add memkit.pools." + name + ".limit)");
        }
        return pool;
    }
}
