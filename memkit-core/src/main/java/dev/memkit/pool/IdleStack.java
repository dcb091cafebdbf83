package dev.memkit.pool;

/**
 * A fixed-capacity stack of idle objects.
 *
 * <p><b>Ownership.</b> Exactly one party mutates a stack at a time: the platform thread that owns the
 * {@link ThreadCache} holding it, or the holder of a {@link SharedDepot} stripe lock. The pool's ager only swaps
 * references to stacks and reads {@link #size} racily for statistics; it never pops, so an object can never be
 * handed out by two parties.
 */
final class IdleStack {
    private final Object[] items;
    /** Written by the owner only; read racily by the ager for the dropped count. */
    int size;

    IdleStack(int capacity) {
        items = new Object[capacity];
    }

    Object pop() {
        int n = size;
        if (n == 0) {
            return null;
        }
        Object o = items[--n];
        items[n] = null;
        size = n;
        return o;
    }

    boolean push(Object o) {
        int n = size;
        if (n == items.length) {
            return false;
        }
        items[n] = o;
        size = n + 1;
        return true;
    }

    /** The most recently pushed object, or null: lets put() catch the same object put twice in a row. */
    Object top() {
        int n = size;
        return n == 0 ? null : items[n - 1];
    }
}
