package dev.memkit.offheap;

import dev.memkit.budget.MemoryBudget;

import java.nio.file.Path;
import java.util.function.Function;

/**
 * One element type of {@link BigArray}: its size and how to wrap storage in the typed class. Each typed array holds
 * one constant of this and every factory goes through it, so a factory cannot pass another type's element size
 * (the file header records it and {@code open} checks it).
 *
 * @param elementSize bytes per element
 * @param wrap makes the typed array around its storage
 * @param <A> the typed array
 */
record ArrayKind<A extends BigArray>(int elementSize, Function<ArrayStorage, A> wrap) {

    A allocate(long length, MemoryBudget budget) {
        return wrap.apply(ArrayStorage.allocate(length, elementSize, budget));
    }

    A create(Path file, long length) {
        return wrap.apply(ArrayStorage.create(file, length, elementSize));
    }

    A open(Path file, boolean verifyData) {
        return wrap.apply(ArrayStorage.open(file, elementSize, verifyData));
    }
}
