/**
 * Native memory ownership, not exported: {@link dev.memkit.region.NativeRegion}, the one owner of every native block
 * memkit allocates or maps, and {@link dev.memkit.region.Charge}, what such a block is charged to. It sits above
 * {@code dev.memkit.budget} (which it charges) and below the packages that hold memory (buffer, offheap, manager),
 * so no two packages depend on each other.
 */
package dev.memkit.region;
