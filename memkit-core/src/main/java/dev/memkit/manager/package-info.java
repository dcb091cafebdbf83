/**
 * The front door: {@link dev.memkit.manager.MemoryManager} holds one budget over everything memkit manages, a
 * default buffer pool, a pressure monitor, and factories for pools and arenas charged to that budget;
 * {@link dev.memkit.manager.MemoryManager#allocate} picks a strategy from a {@link dev.memkit.manager.Lifetime}.
 * Thread-safe.
 *
 * @since 0.1
 */
package dev.memkit.manager;
