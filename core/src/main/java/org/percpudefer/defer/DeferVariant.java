package org.percpudefer.defer;

/**
 * Each step of the kernel's history of skb freeing deferral, selectable by name and compared under one
 * contract ({@link DeferLists}). See {@code shared/KERNEL.md} for the history.
 */
public enum DeferVariant {
    /** Before 5.17: free on the consuming CPU, no deferral. */
    NONE(false),
    /**
     * f35f821935 (5.17): a per-socket lock-free list, drained by the consumer after it releases the socket
     * lock and by the receive handler; the free runs wherever the drain runs, not on the allocating CPU.
     */
    PER_SOCKET(false),
    /**
     * 68822bdf76 (the seed, 5.19) with its 2022 fixes 97e719a82b ({@code defer_ipi_scheduled}),
     * 39564c3fdc and c09b0cd2cc (sysctl, kick at half, WRITE_ONCE of the count) and 909876500251 (flush
     * before each poll): a per-CPU list under {@code defer_lock}, drained by the allocating CPU. The default.
     */
    PER_CPU_LOCKED(true),
    /**
     * 9c94ae6bb0 and 844c9db7f7 (2025): the lock removed; an llist (lock-free push, xchg to take all) and
     * an atomic count, which several producers can push past {@code deferMax} at once (counted as overshoot).
     */
    PER_CPU_LLIST(false),
    /**
     * 5628f3fe3b (2025): one llist per (allocating CPU, producer's NUMA node), so producers on one node
     * share lines only with each other; the flush walks every node's list.
     */
    PER_NODE(false),
    /**
     * The seed's unbuilt idea ("a small per-cpu cache if we see any contention on sd->defer_lock"): each
     * producer batches objects per target CPU and takes the target's lock once per batch. A batch is
     * handed over when full, when the producer's own NET_RX runs, and when the producer goes idle or
     * offline.
     */
    BATCHED(true);

    private final boolean locked;

    DeferVariant(boolean locked) {
        this.locked = locked;
    }

    /** @return whether this variant's lists have a lock, so that {@link LockKind} matters */
    public boolean locked() {
        return locked;
    }
}
