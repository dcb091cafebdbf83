package dev.memkit.internal;

/**
 * Asks the C heap to return free pages to the operating system. After {@code free()}, glibc keeps freed chunks
 * that are not at the top of its heap resident; {@code malloc_trim} returns them. The JDK exposes that as the
 * {@code System.trim_native_heap} diagnostic command, which this calls through the platform MBean server, so no
 * restricted native call is needed. A no-op where the command is unavailable (non-glibc platforms).
 * Thread-safe.
 */
public final class NativeHeap {
    private NativeHeap() {}

    /**
     * Trims the native heap.
     *
     * @return true if the JVM ran the command
     */
    public static boolean trim() {
        try {
            DiagnosticCommands.run("systemTrimNativeHeap");
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }
}
