/**
 * memkit: memory management for data-intensive services.
 *
 * <ul>
 *   <li>{@code dev.memkit}: the front door {@link dev.memkit.MemoryManager} and shared vocabulary
 *       ({@link dev.memkit.ByteSize}).</li>
 *   <li>{@code dev.memkit.budget}: budgets, reservations and memory pressure
 *       ({@link dev.memkit.budget.MemoryBudget}, {@link dev.memkit.budget.PressureMonitor}).</li>
 *   <li>{@code dev.memkit.buffer}: a size-class pool of off-heap buffers
 *       ({@link dev.memkit.buffer.BufferPool}).</li>
 * </ul>
 *
 * <p><b>Native access.</b> memkit allocates with {@code Arena} and needs no restricted method, except in one
 * opt-in debugging mode: {@link dev.memkit.buffer.LeakDetection#PARANOID} calls
 * {@code MemorySegment.reinterpret} to scope each view to its lease. Grant
 * {@code --enable-native-access=dev.memkit} when using it, or the JDK prints a warning.
 */
module dev.memkit {
    requires java.management;
    requires jdk.management;


    exports dev.memkit;
    exports dev.memkit.budget;
    exports dev.memkit.buffer;
}
