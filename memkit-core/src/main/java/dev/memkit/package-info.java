/**
 * memkit's shared vocabulary: {@link dev.memkit.ByteSize} (parsing and printing byte sizes) and
 * {@link dev.memkit.MemoryLimitException}, the one exception every refusal of memory extends. This package depends
 * on no other memkit package; start with {@link dev.memkit.manager.MemoryManager}.
 *
 * @since 0.1
 */
package dev.memkit;
