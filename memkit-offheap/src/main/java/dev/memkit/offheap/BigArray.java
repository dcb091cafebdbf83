package dev.memkit.offheap;

/**
 * What {@link LongArray} and {@link ByteArray} share: their storage and its lifecycle. The typed subclasses add
 * element access and their factories.
 */
abstract class BigArray implements AutoCloseable {
    final ArrayStorage storage;

    BigArray(ArrayStorage storage) {
        this.storage = storage;
    }

    /**
     * The number of elements.
     *
     * @return the length
     */
    public final long length() {
        return storage.length;
    }

    /** Makes every write so far durable (a no-op for native arrays). Must not race with writers. */
    public final void sync() {
        storage.sync();
    }

    /**
     * Whether this array lives in a file.
     *
     * @return true when mapped
     */
    public final boolean mapped() {
        return storage.mapped();
    }

    /**
     * Whether the file was opened after a crash: it had been written since its last sync.
     *
     * @return true if recovered
     */
    public final boolean recovered() {
        return storage.recovered();
    }

    /** Syncs a mapped file, then frees the memory and the mapping. Later calls throw IllegalStateException. */
    @Override
    public final void close() {
        storage.close();
    }
}
