/**
 * memkit's pointer-free off-heap structures: {@link dev.memkit.offheap.LongLongMap},
 * {@link dev.memkit.offheap.BytesMap}, {@link dev.memkit.offheap.LongArray} and {@link dev.memkit.offheap.ByteArray}
 * (in memory or persistent, with their file formats), and {@link dev.memkit.offheap.StructLayouts}.
 *
 * <p><b>Native access.</b> This module calls no restricted method itself. Its native memory comes from the core
 * ({@code dev.memkit}), which, when granted native access ({@code --enable-native-access=dev.memkit}), backs large
 * map tables with anonymous mappings whose untouched pages are not resident; without it, tables come from the C
 * heap.
 */
module dev.memkit.offheap {
    requires transitive dev.memkit;

    exports dev.memkit.offheap;
}
