package org.percpudefer.defer;

/**
 * The lock that guards a defer list, in the variants that have one ({@link DeferVariant#PER_CPU_LOCKED},
 * {@link DeferVariant#BATCHED}); pluggable so the benchmarks can compare them under real contention.
 * Every kind gives at least acquire on lock and release on unlock, as the kernel's spinlocks do. The
 * spinning kinds wait with {@link Thread#onSpinWait()} and never park: a simulated CPU holding a defer
 * lock is never descheduled by us (the OS may still preempt it, which is what spinlocks suffer from on
 * an oversubscribed host, and what the benchmarks show).
 */
public enum LockKind {
    /** Test-and-test-and-set spinlock: spin reading until free, then one CAS. */
    TTAS,
    /** Ticket spinlock: FIFO, one getAndAdd to take a ticket, spin until served (the kernel's pre-2014 lock). */
    TICKET,
    /**
     * Queued MCS lock: each waiter spins on its own node, so the lock line is not bounced between waiters
     * (the idea under the kernel's qspinlock). One node per simulated CPU, shared by every MCS lock of the
     * same lists, as the kernel's per-CPU mcs nodes are: a CPU holds at most one defer lock at a time.
     */
    MCS,
    /** {@code java.util.concurrent.locks.ReentrantLock}, non-fair: spins briefly, then parks. */
    REENTRANT,
    /** The object's monitor ({@code synchronized}): HotSpot's lightweight/inflated locking. Contention is not counted. */
    SYNCHRONIZED
}
