/**
 * Pointer-free off-heap data: layouts for records stored in native memory, where the garbage collector never
 * traces them ({@link dev.memkit.offheap.StructLayouts}).
 */
package dev.memkit.offheap;
