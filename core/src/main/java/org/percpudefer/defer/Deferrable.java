package org.percpudefer.defer;

import org.percpudefer.cpu.Cpu;

/**
 * An object that can go home on a defer list: it remembers the CPU that allocated it (the kernel's
 * {@code skb->alloc_cpu}) and carries the intrusive link the lists chain it by ({@code skb->next}), so
 * deferring it allocates nothing. Extend it; record the allocating CPU each time the object is
 * allocated (or taken from a pool), before it is handed to another thread.
 *
 * <p>While an object is on a defer list, the list owns its link: do not touch the object until the
 * {@link Reclaimer} gives it back.
 */
public abstract class Deferrable {

    /*
     * Both fields are plain. allocCpu is written by the allocating thread before it hands the object on,
     * and that hand-off (a queue, a lock) is the happens-before edge that lets the deferring CPU read it.
     * next is written by the CPU that pushes the object, before the push publishes it (an unlock, or the
     * release in a cmpxchg), and read by the CPU that took the list (after a lock, or an xchg).
     */
    int allocCpu = -1;
    Deferrable next;
    /** {@link DeferPool}: the owner releasing it, for the reclaimer of a local fallback; that thread only. */
    int releasedBy = -1;
    /** {@link Ledger}: this object's state and history in the accounting mode; null when it is off. */
    Ledger.Entry entry;

    /** For subclasses. */
    protected Deferrable() {
    }

    /** @return the CPU that allocated this object, or {@code -1} if none was recorded */
    public final int allocCpu() {
        return allocCpu;
    }

    /**
     * Records the allocating CPU explicitly.
     *
     * @param cpu the CPU number; a value out of range, or {@code -1}, makes every deferral of this
     *            object a local free (as the kernel treats an out-of-range {@code alloc_cpu})
     */
    public final void allocatedOn(int cpu) {
        allocCpu = cpu;
    }

    /** Records the current simulated CPU as the allocating one ({@code -1} on any other thread). */
    public final void recordAllocCpu() {
        allocCpu = Cpu.currentId();
    }
}
