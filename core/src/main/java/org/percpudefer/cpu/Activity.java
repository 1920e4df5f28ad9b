package org.percpudefer.cpu;

/**
 * What a simulated CPU is doing, published by the CPU itself at each transition and read by a
 * {@link Sampler}: the emulator's equivalent of the symbols in a {@code perf} profile. The CPU loop
 * publishes the first four itself; code running on a CPU publishes the finer ones with
 * {@link Cpu#enter(Activity)} and {@link Cpu#restore(int)}.
 */
public enum Activity {
    /** Spinning, yielding, running idle hooks or parked: the loop found nothing to do. */
    IDLE("idle"),
    /** Running IPI handlers ({@code flush_smp_call_function_queue}). */
    IPI("IPI handler"),
    /** Running a softirq handler, outside any finer activity. */
    SOFTIRQ("softirq, other"),
    /** Running the hosted task, outside any finer activity. */
    TASK("task, other"),
    /** NAPI poll: building skbs, outside the finer steps below. */
    NAPI_POLL("napi poll"),
    /** Taking an skb from the slab cache ({@code kmem_cache_alloc}). */
    ALLOC_SKB("skb alloc"),
    /** Taking a page from the page pool or the per-CPU page list. */
    ALLOC_PAGE("page alloc"),
    /** Refilling a per-CPU page list from the zone under the zone lock ({@code rmqueue_bulk}). */
    PAGE_REFILL("page refill (rmqueue_bulk)"),
    /** Writing the packet into its pages: the headers, or the whole payload when the CPU stands in for the DMA. */
    WRITE_PAYLOAD("packet write"),
    /** {@code tcp_recvmsg}: taking skbs off the socket, uncharging, outside the copy. */
    RECVMSG("recvmsg"),
    /** Copying the payload to the user's buffer ({@code copy_user_enhanced_fast_string}). */
    COPY_TO_USER("copy to user"),
    /** Releasing an skb and freeing it to the slab ({@code skb_release_data}, {@code kfree}). */
    FREE_SKB("skb free"),
    /** Freeing pages to the page pool or the per-CPU page list ({@code free_unref_page}). */
    FREE_PAGES("page free"),
    /** Spilling a per-CPU page list to the zone under the zone lock ({@code free_pcppages_bulk}, {@code __free_one_page}). */
    PAGE_SPILL("page spill (free_pcppages_bulk)"),
    /** Waiting for the zone lock, held by another CPU. */
    ZONE_LOCK_WAIT("zone lock wait"),
    /** Refilling or spilling a slab magazine through the shared depot, lock wait included ({@code __slab_free}). */
    SLAB_DEPOT("slab depot"),
    /** Pushing an object onto another CPU's defer list ({@code skb_attempt_defer_free}). */
    DEFER_PUSH("defer push"),
    /** Flushing this CPU's defer list, outside the frees it makes ({@code skb_defer_free_flush}). */
    DEFER_FLUSH("defer flush");

    private static final Activity[] VALUES = values();

    private final String label;

    Activity(String label) {
        this.label = label;
    }

    /** @return a short human-readable name, with the kernel symbol it stands for where there is one */
    public String label() {
        return label;
    }

    /**
     * @param ordinal an ordinal as published by {@link Cpu#enter(Activity)}
     * @return the activity
     */
    static Activity of(int ordinal) {
        return VALUES[ordinal];
    }
}
